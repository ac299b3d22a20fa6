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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

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


#: The share of the sum that ``reframe train-combiner`` writes into a shapes Combiner's fusion: none. On the
#: shapes validation gallery no share tried (0.1-0.5) raised R@1, for the world's and the training
#: phrasebook's words alike, and 0.15 lowered it on the held-out phrasings (README), so it is off unless
#: asked for (``--sum-weight``).
DEFAULT_SUM_WEIGHT = 0.0


@dataclass(frozen=True)
class Fusion:
    """Never much worse than the sum: the Combiner's query blended with the normalised sum of image and text.

    ``query = normalize((1 - w) * combiner + w * sum)``, with ``w = sum_weight``. The Combiner is strong
    on the phrasings it learned and can be lost on others, where the sum (which reads the text at face
    value) still points at the reference's neighbourhood; a small share of the sum keeps the reference
    scenes the sum ranks first in play without undoing the Combiner's edits. Stored in the Combiner's card
    under ``"fusion"`` and used by every query through :class:`NumpyCombiner` when present.
    """

    sum_weight: float

    @classmethod
    def from_card(cls, card: dict[str, Any]) -> Fusion | None:
        spec = card.get("fusion")
        if not isinstance(spec, dict) or not spec.get("enabled", True):
            return None
        try:
            w = float(spec["sum_weight"])
        except (KeyError, TypeError, ValueError):
            return None
        return cls(w) if 0.0 <= w <= 1.0 else None

    def card(self) -> dict[str, Any]:
        return {"enabled": True, "sum_weight": self.sum_weight}

    def blend(self, combined: np.ndarray, summed: np.ndarray) -> np.ndarray:
        """Unit (n, d) Combiner and sum queries -> unit fused queries."""
        w = self.sum_weight
        return normalize((1.0 - w) * normalize(combined) + w * normalize(summed))


class NumpyCombiner:
    """The Combiner's forward pass (eval mode) over float32 numpy weights; with a fusion in its card,
    :meth:`combine` blends it with the sum (:class:`Fusion`), and :attr:`network` is the bare network."""

    def __init__(self, tensors: dict[str, np.ndarray], card: dict | None = None) -> None:
        try:
            self._w = {name: np.ascontiguousarray(tensors[f"{name}.weight"], np.float32).T for name in LAYERS}
            self._b = {name: np.asarray(tensors[f"{name}.bias"], np.float32) for name in LAYERS}
        except KeyError as e:
            raise ValueError(f"not a Combiner state: {e.args[0]} is missing") from e
        self.dim = self._w["text_proj.0"].shape[0]
        self.card = card or {}
        self.fusion = Fusion.from_card(self.card)
        self.network: QueryCombiner = _Network(self)

    def _linear(self, name: str, x: np.ndarray) -> np.ndarray:
        return x @ self._w[name] + self._b[name]

    def mixing_weight(self, image_feats: np.ndarray, text_feats: np.ndarray) -> np.ndarray:
        """The weight (n, 1) given to the text; ``1 - lam`` goes to the image."""
        return self._mix(self._joint(image_feats, text_feats))

    def combine(self, image_feats: np.ndarray, text_feats: np.ndarray) -> np.ndarray:
        """The query: the network's, blended with the sum when the card asks for a fusion."""
        out = self.combine_network(image_feats, text_feats)
        if self.fusion is None:
            return out
        return self.fusion.blend(out, sum_query(image_feats, text_feats))

    def combine_network(self, image_feats: np.ndarray, text_feats: np.ndarray) -> np.ndarray:
        """The network's query alone (no fusion)."""
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


class _Network:
    """A :class:`NumpyCombiner` without its fusion, as a :class:`QueryCombiner`."""

    def __init__(self, owner: NumpyCombiner) -> None:
        self._owner = owner
        self.dim = owner.dim

    def combine(self, image_feats: np.ndarray, text_feats: np.ndarray) -> np.ndarray:
        return self._owner.combine_network(image_feats, text_feats)


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
    img = np.asarray(img, np.float32)
    txt = np.asarray(txt, np.float32)
    return normalize(normalize(img) + normalize(txt))
