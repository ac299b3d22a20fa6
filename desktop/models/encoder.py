"""The interface every model offers to the engine: images and texts in, raw vectors out.

Vectors are float32, *unnormalised* (the Combiner works on raw CLIP features); the index and search
normalise them. ``encode_images`` takes arrays already made by :attr:`Encoder.preprocess`, so decoding
and preprocessing can run on worker threads while the model runs on its device.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from desktop.models.transform import Preprocess


@runtime_checkable
class Encoder(Protocol):
    name: str
    dim: int
    device: str  # "cuda", "mps" or "cpu"; "n/a" for encoders that use no torch
    preprocess: Preprocess

    def encode_images(self, batch: np.ndarray) -> np.ndarray:
        """(n, 3, s, s) float32 from :attr:`preprocess` -> (n, dim) float32 raw features."""
        ...

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """n strings -> (n, dim) float32 raw features."""
        ...


def normalize(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=axis, keepdims=True)
    return x / np.maximum(n, 1e-12)
