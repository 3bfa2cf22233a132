"""How a report's vector is stored: float32, little-endian bytes, the same on SQLite and
PostgreSQL and on any machine (report_vectors.vector)."""

from __future__ import annotations

import numpy as np


def to_bytes(vector: np.ndarray) -> bytes:
    """A vector as stored."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    """A stored vector back as float32 (read-only: it shares the bytes)."""
    return np.frombuffer(blob, dtype="<f4")
