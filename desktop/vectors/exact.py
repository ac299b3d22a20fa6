"""Brute-force cosine search with numpy: the ground truth for recall, and a fallback."""

from __future__ import annotations

import numpy as np

from desktop.models.encoder import normalize


def exact_search(vecs: np.ndarray, query: np.ndarray, k: int, ids: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The ``k`` rows of ``vecs`` most cosine-similar to ``query``, best first.

    Each hit is ``(ids[row], score)``, or ``(row, score)`` without ``ids``.
    """
    vecs = np.asarray(vecs, dtype=np.float32)
    if k <= 0 or len(vecs) == 0:
        return []
    scores = normalize(vecs) @ normalize(np.asarray(query).reshape(-1))
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    labels = top if ids is None else np.asarray(ids)[top]
    return [(int(i), float(scores[r])) for i, r in zip(labels, top, strict=True)]
