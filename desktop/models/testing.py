"""A deterministic, torch-free encoder for tests of the pipeline around the model. TEST-ONLY.

:class:`PixelEncoder` understands nothing: an image becomes its coarse colour layout (a 4 x 4 grid of
mean colours, 48 numbers) through a fixed random projection, and a text becomes a random vector seeded by
its hash. Similar-looking images get similar vectors; texts match nothing in particular. It exists so that
scanning, indexing and search can be tested in milliseconds without torch. It is registered as the hidden
model ``test-pixels`` and never offered to users.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from desktop.models.transform import Preprocess

GRID = 4


class PixelEncoder:
    """Implements :class:`~desktop.models.encoder.Encoder` from pixels alone; the same input always gives
    the same output, in every process."""

    device = "n/a"

    def __init__(self, dim: int = 64, size: int = 32, *, name: str = "test-pixels", seed: int = 0) -> None:
        if size < GRID:
            raise ValueError(f"size must be at least {GRID}")
        self.name = name
        self.dim = dim
        self.preprocess = Preprocess(size=size)
        rng = np.random.default_rng(seed)
        self._projection = rng.standard_normal((3 * GRID * GRID, dim)).astype(np.float32)

    def encode_images(self, batch: np.ndarray) -> np.ndarray:
        arr = np.asarray(batch, dtype=np.float32)
        s = self.preprocess.size
        if arr.ndim != 4 or arr.shape[1:] != (3, s, s):
            raise ValueError(f"{self.name} expects images of shape (n, 3, {s}, {s}), got {arr.shape}")
        return (colour_layout(arr) @ self._projection).astype(np.float32, copy=False)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        return out


def colour_layout(batch: np.ndarray) -> np.ndarray:
    """(n, 3, h, w) -> (n, 3 * GRID * GRID): the mean of each channel over each cell of a GRID x GRID grid."""
    n, c, h, w = batch.shape
    rows = np.array_split(np.arange(h), GRID)
    cols = np.array_split(np.arange(w), GRID)
    cells = [batch[:, :, r[0] : r[-1] + 1, q[0] : q[-1] + 1].mean(axis=(2, 3)) for r in rows for q in cols]
    return np.stack(cells, axis=2).reshape(n, c * GRID * GRID)
