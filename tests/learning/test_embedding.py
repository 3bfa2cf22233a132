"""The embedding model, run on numpy, gives what PyTorch's sentence-transformers gives.

tests/learning/data/minilm_reference.json holds vectors sentence-transformers computed with
PyTorch on the CPU from the same installed model files (the file names the versions), for
short, typical, abbreviated, over-long (cut at 256 tokens) and non-English text.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from learning.embedding import embedder, model_id
from storage.vectors import from_bytes, to_bytes

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json")
                       .read_text(encoding="utf-8"))


def test_vectors_match_the_reference_implementation() -> None:
    ours = embedder().embed(REFERENCE["texts"])
    theirs = np.array(REFERENCE["vectors"], dtype=np.float32)
    assert ours.shape == theirs.shape == (len(REFERENCE["texts"]), 384)
    agreement = np.sum(ours * theirs, axis=1)
    assert agreement.min() > 0.9999, agreement
    assert np.abs(ours - theirs).max() < 1e-3


def test_batched_and_one_at_a_time_agree() -> None:
    texts = REFERENCE["texts"][:6]
    together = embedder().embed(texts)
    alone = np.vstack([embedder().embed([text]) for text in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_vectors_are_unit_length_and_similar_texts_are_closer() -> None:
    slip, spill, tablets = embedder().embed([
        "The wet floor by the lounge nearly made a resident slip.",
        "Water spilt in the lounge and a resident almost fell over.",
        "The MAR chart was not signed for the morning round."])
    assert np.allclose([np.linalg.norm(v) for v in (slip, spill, tablets)], 1.0, atol=1e-5)
    assert slip @ spill > slip @ tablets + 0.2


def test_nothing_to_embed_gives_an_empty_matrix() -> None:
    assert embedder().embed([]).shape == (0, 384)


def test_stored_bytes_round_trip_and_name_the_model() -> None:
    vector = embedder().embed(["A hoist sling of the wrong size."])[0]
    blob = to_bytes(vector)
    assert len(blob) == 384 * 4
    assert np.array_equal(from_bytes(blob), vector)
    assert model_id() == "all-MiniLM-L6-v2@0.1.0"
