"""The Combiner at search time, in numpy: no torch needed to run a composed query.

The network is a few small matrix products per query (CLIP4Cir's Combiner; see
:mod:`desktop.compose.combiner` for the torch module that is trained), so numpy is as fast as torch
here and keeps the base install free of it. Dropout does nothing at inference, so the layers are
Linear and ReLU; the mixing head ends in a sigmoid. Weights load from the same safetensors files
(:mod:`desktop.compose.weights`), with safetensors' numpy reader.

Anything with ``combine(image, text)`` (raw ``(n, d)`` features in, unit ``(n, d)`` queries out) is a
:class:`QueryCombiner`; the torch module qualifies through :func:`desktop.compose.combiner.as_query_combiner`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from desktop.models.encoder import normalize

LAYERS = (
    "text_proj.0",
    "image_proj.0",
    "residual.0",
    "residual.3",
    "mix.0",
    "mix.3",
)


@runtime_checkable
class QueryCombiner(Protocol):
    dim: int

    def combine(self, image_feats: np.ndarray, text_feats: np.ndarray) -> np.ndarray:
        """(n, dim) raw image and text features -> (n, dim) unit-length query vectors."""
        ...


class NumpyCombiner:
    """The Combiner's forward pass (eval mode) over float32 numpy weights."""

    def __init__(self, tensors: dict[str, np.ndarray], card: dict | None = None) -> None:
        try:
            self._w = {name: np.ascontiguousarray(tensors[f"{name}.weight"], np.float32).T for name in LAYERS}
            self._b = {name: np.asarray(tensors[f"{name}.bias"], np.float32) for name in LAYERS}
        except KeyError as e:
            raise ValueError(f"not a Combiner state: {e.args[0]} is missing") from e
        self.dim = self._w["text_proj.0"].shape[0]
        self.card = card or {}

    def _linear(self, name: str, x: np.ndarray) -> np.ndarray:
        return x @ self._w[name] + self._b[name]

    def mixing_weight(self, image_feats: np.ndarray, text_feats: np.ndarray) -> np.ndarray:
        """The weight (n, 1) given to the text; ``1 - lam`` goes to the image."""
        return self._mix(self._joint(image_feats, text_feats))

    def combine(self, image_feats: np.ndarray, text_feats: np.ndarray) -> np.ndarray:
        img = np.atleast_2d(np.asarray(image_feats, np.float32))
        txt = np.atleast_2d(np.asarray(text_feats, np.float32))
        joint = self._joint(img, txt)
        lam = self._mix(joint)
        residual = self._linear("residual.3", _relu(self._linear("residual.0", joint)))
        return normalize(residual + lam * txt + (1.0 - lam) * img)

    def _joint(self, img: np.ndarray, txt: np.ndarray) -> np.ndarray:
        if img.shape != txt.shape or img.shape[-1] != self.dim:
            raise ValueError(f"expected two (n, {self.dim}) feature batches, got {img.shape} and {txt.shape}")
        return np.concatenate(
            [_relu(self._linear("text_proj.0", txt)), _relu(self._linear("image_proj.0", img))], axis=-1
        )

    def _mix(self, joint: np.ndarray) -> np.ndarray:
        logit = self._linear("mix.3", _relu(self._linear("mix.0", joint)))
        return 1.0 / (1.0 + np.exp(-logit))


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def load_query_combiner(path: str | os.PathLike[str]) -> NumpyCombiner:
    """A Combiner file (see :mod:`desktop.compose.weights`) ready for queries; ModelUnavailable if unreadable."""
    from desktop.compose.weights import read_combiner_file

    tensors, card = read_combiner_file(Path(path))
    return NumpyCombiner(tensors, card)


def compose_query(combiner: QueryCombiner, img_vec: np.ndarray, txt_vec: np.ndarray) -> np.ndarray:
    """(d,) or (n, d) raw features -> unit query vector(s) of the same shape."""
    img = np.asarray(img_vec, dtype=np.float32)
    out = combiner.combine(np.atleast_2d(img), np.atleast_2d(np.asarray(txt_vec, np.float32)))
    return out[0] if img.ndim == 1 else out


def sum_query(img: np.ndarray, txt: np.ndarray) -> np.ndarray:
    """The baseline composed query: ``normalize(normalize(img) + normalize(txt))``, (d,) or (n, d)."""
    return normalize(normalize(img) + normalize(txt))
