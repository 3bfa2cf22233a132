"""How alike reports of one window are: their vectors centred, and the usual likeness of two.

Similarity is the cosine of the vectors after taking out the window's mean vector: every care
report says "a resident", "staff", "nearly", and that shared part makes unrelated reports look
alike. In a small window the mean is shrunk towards none, as it says little there.

How alike two unrelated reports are depends on who writes them (terse or wordy, one template
or free text) and on how much the centring took out, so learning/patterns.py sets its bars in
standard deviations above the usual similarity of two of the window's reports, measured here
on the window itself, rather than as fixed cosines that suit one provider's reports only.
"""

from __future__ import annotations

import numpy as np

SAMPLE = 400  # reports (evenly spaced) the usual similarity is measured on in a big window
FEWEST = 8  # a window of fewer reports says too little about it: assume the typical one
TYPICAL = (0.0, 0.12)  # the usual similarity and its spread of centred care reports


def centred(vectors: np.ndarray, weight: float) -> np.ndarray:
    """The vectors less the window's mean (shrunk towards none in a small window: at half
    weight when the window holds `weight` reports), at unit length again. `weight` <= 0:
    the vectors as given."""
    if weight <= 0:
        return vectors
    mean = vectors.mean(axis=0) * (len(vectors) / (len(vectors) + weight))
    moved = vectors - mean
    lengths = np.sqrt(np.einsum("ij,ij->i", moved, moved))  # no n x 384 temporary
    moved /= np.maximum(lengths, 1e-12)[:, np.newaxis]
    return moved


def pair_similarity(vectors: np.ndarray) -> tuple[float, float]:
    """The mean and standard deviation of the similarity of two different reports (unit rows),
    measured on at most SAMPLE of them; TYPICAL for fewer than FEWEST."""
    if len(vectors) < FEWEST:
        return TYPICAL
    picked = np.unique(np.linspace(0, len(vectors) - 1, min(SAMPLE, len(vectors))).astype(int))
    sample = vectors[picked]
    pairs = (sample @ sample.T)[~np.eye(len(sample), dtype=bool)]
    return float(pairs.mean()), float(pairs.std())
