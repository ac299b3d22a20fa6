"""Embeddings as BLOBs: float16, little-endian, one row vector per blob."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

STORED = np.dtype("<f2")
FLOAT16_MAX = float(np.finfo(np.float16).max)


def encode(vector: np.ndarray) -> bytes:
    """One 1-D vector as float16 bytes. Refuses values that are not finite once in float16."""
    v = np.asarray(vector)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"expected a non-empty 1-D vector, got shape {v.shape}")
    if not np.isfinite(v).all() or np.abs(v).max() > FLOAT16_MAX:
        raise ValueError("vector has values that are NaN, infinite or too large for float16")
    return v.astype(STORED).tobytes()


def decode(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=STORED).astype(np.float32)


def decode_many(blobs: Sequence[bytes]) -> np.ndarray:
    """Blobs of equal length as an (n, dim) float32 matrix; (0, 0) when there are none."""
    if not blobs:
        return np.empty((0, 0), dtype=np.float32)
    width = len(blobs[0])
    if any(len(b) != width for b in blobs):
        raise ValueError("stored vectors of one model have different lengths")
    flat = np.frombuffer(b"".join(blobs), dtype=STORED)
    return flat.reshape(len(blobs), width // STORED.itemsize).astype(np.float32)
