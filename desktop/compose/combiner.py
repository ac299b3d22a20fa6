"""The Combiner of CLIP4Cir (Baldrati et al.): reference image + modification text -> one query vector.

Both inputs are *raw* (unnormalised) features from a frozen encoder. Each is projected to ``proj_dim``
(Linear, ReLU, Dropout 0.5); the two projections are concatenated and feed two small heads: one predicts a
residual ``v`` in feature space, the other a mixing weight ``lam`` in (0, 1). The query is
``normalize(v + lam * text + (1 - lam) * image)``.

``sum_query`` is the training-free baseline: the sum of the normalised image and text vectors.

This module is for training (it needs torch); queries run the same network in numpy
(:mod:`desktop.compose.inference`).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from desktop.compose.inference import NumpyCombiner, sum_query

DROPOUT = 0.5


class Combiner(nn.Module):
    def __init__(self, dim: int, proj_dim: int, hidden_dim: int) -> None:
        super().__init__()
        if min(dim, proj_dim, hidden_dim) < 1:
            raise ValueError(f"Combiner sizes must be positive, got {dim=}, {proj_dim=}, {hidden_dim=}")
        self.dim = dim
        self.proj_dim = proj_dim
        self.hidden_dim = hidden_dim
        self.text_proj = nn.Sequential(nn.Linear(dim, proj_dim), nn.ReLU(), nn.Dropout(DROPOUT))
        self.image_proj = nn.Sequential(nn.Linear(dim, proj_dim), nn.ReLU(), nn.Dropout(DROPOUT))
        self.residual = nn.Sequential(
            nn.Linear(2 * proj_dim, hidden_dim), nn.ReLU(), nn.Dropout(DROPOUT), nn.Linear(hidden_dim, dim)
        )
        self.mix = nn.Sequential(
            nn.Linear(2 * proj_dim, hidden_dim),
            nn.ReLU(),
            nn.Dropout(DROPOUT),
            nn.Linear(hidden_dim, 1),
            nn.Sigmoid(),
        )

    @property
    def sizes(self) -> dict[str, int]:
        return {"dim": self.dim, "proj_dim": self.proj_dim, "hidden_dim": self.hidden_dim}

    def mixing_weight(self, image_feats: torch.Tensor, text_feats: torch.Tensor) -> torch.Tensor:
        """The weight ``lam`` (n, 1) given to the text; ``1 - lam`` goes to the image."""
        return self.mix(self._joint(image_feats, text_feats))

    def combine(self, image_feats: torch.Tensor, text_feats: torch.Tensor) -> torch.Tensor:
        """(n, dim) raw image and text features -> (n, dim) unit-length query vectors."""
        joint = self._joint(image_feats, text_feats)
        lam = self.mix(joint)
        out = self.residual(joint) + lam * text_feats + (1.0 - lam) * image_feats
        return F.normalize(out, dim=-1)

    forward = combine

    def _joint(self, image_feats: torch.Tensor, text_feats: torch.Tensor) -> torch.Tensor:
        if image_feats.shape != text_feats.shape or image_feats.shape[-1] != self.dim:
            raise ValueError(
                f"expected two (n, {self.dim}) feature batches, got {tuple(image_feats.shape)} "
                f"and {tuple(text_feats.shape)}"
            )
        return torch.cat([self.text_proj(text_feats), self.image_proj(image_feats)], dim=-1)


def as_query_combiner(combiner: Combiner) -> NumpyCombiner:
    """The module's current weights as a numpy :class:`~desktop.compose.inference.QueryCombiner` (eval mode)."""
    state = {k: v.detach().float().cpu().numpy() for k, v in combiner.state_dict().items()}
    return NumpyCombiner(state)


def compose_query(combiner: Combiner, img_vec: np.ndarray, txt_vec: np.ndarray) -> np.ndarray:
    """Numpy in, numpy out: (d,) or (n, d) raw features -> unit query vector(s) of the same shape.

    Runs in eval mode (no dropout) without gradients and leaves the module's mode as it found it.
    """
    img = np.asarray(img_vec, dtype=np.float32)
    txt = np.asarray(txt_vec, dtype=np.float32)
    single = img.ndim == 1
    param = next(combiner.parameters())
    was_training = combiner.training
    combiner.eval()
    try:
        with torch.no_grad():
            i = torch.from_numpy(np.atleast_2d(img)).to(param.device, param.dtype)
            t = torch.from_numpy(np.atleast_2d(txt)).to(param.device, param.dtype)
            out = combiner.combine(i, t).float().cpu().numpy()
    finally:
        combiner.train(was_training)
    return out[0] if single else out


__all__ = ["Combiner", "as_query_combiner", "compose_query", "sum_query"]
