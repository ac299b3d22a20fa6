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
    return top_k(np.arange(len(scores)) if ids is None else np.asarray(ids), scores, k)


def top_k(ids: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best ``(ids[i], scores[i])``, best first (ties: the order given)."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    return list(zip(ids[top].tolist(), scores[top].astype(np.float64).tolist(), strict=True))


def locate(sorted_ids: np.ndarray, wanted: np.ndarray | list[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(position, found)`` of each of ``wanted`` in ``sorted_ids`` (ascending int64): a vectorised lookup.
    ``position`` is meaningful only where ``found``."""
    wanted = np.asarray(wanted, dtype=np.int64)
    if len(sorted_ids) == 0:
        return np.zeros(len(wanted), np.int64), np.zeros(len(wanted), bool)
    pos = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
    return pos, sorted_ids[pos] == wanted
