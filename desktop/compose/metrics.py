"""Retrieval metrics for composed queries: Recall@K over a gallery, and CIRR's Recall_subset@K.

Vectors are expected unit-length, so the dot product is the cosine similarity. A target's rank is the
number of candidates scoring *at least* as high as it (other than itself): ties count against the query,
so an encoder that maps everything to one vector scores 0, not 1. Excluded candidates (the reference
image, as CIRR does) never count. Results are fractions in [0, 1] keyed ``"recall@K"`` and
``"recall_subset@K"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

Exclusions = np.ndarray | Sequence[Iterable[int]] | None

_CHUNK = 1024


def target_ranks(
    query_vecs: np.ndarray, gallery_vecs: np.ndarray, target_idx: np.ndarray, exclude_idx: Exclusions = None
) -> np.ndarray:
    """0-based rank of each query's target in the gallery (0 = first)."""
    q = np.asarray(query_vecs, dtype=np.float32)
    g = np.asarray(gallery_vecs, dtype=np.float32)
    targets = np.asarray(target_idx, dtype=np.int64)
    if q.ndim != 2 or g.ndim != 2 or q.shape[1] != g.shape[1] or targets.shape != (len(q),):
        raise ValueError(f"shapes do not match: queries {q.shape}, gallery {g.shape}, targets {targets.shape}")
    excluded = _exclusion_sets(exclude_idx, len(q))
    ranks = np.empty(len(q), dtype=np.int64)
    for start in range(0, len(q), _CHUNK):
        scores = q[start : start + _CHUNK] @ g.T
        for row, sc in enumerate(scores):
            i = start + row
            t = targets[i]
            if t in excluded[i]:
                raise ValueError(f"query {i}: its target {t} is also excluded")
            t_score = sc[t]
            sc[list(excluded[i])] = -np.inf
            sc[t] = -np.inf
            ranks[i] = int(np.count_nonzero(sc >= t_score))
    return ranks


def recall_at_k(
    query_vecs: np.ndarray,
    gallery_vecs: np.ndarray,
    target_idx: np.ndarray,
    exclude_idx: Exclusions = None,
    ks: Sequence[int] = (1, 5, 10, 50),
) -> dict[str, float]:
    """Fraction of queries whose target ranks in the top K of the whole gallery.

    ``exclude_idx``: one gallery index per query (-1 for none), or one collection of indices per query.
    """
    ranks = target_ranks(query_vecs, gallery_vecs, target_idx, exclude_idx)
    return {f"recall@{k}": _fraction_below(ranks, k) for k in ks}


def recall_subset_at_k(
    query_vecs: np.ndarray,
    gallery_vecs: np.ndarray,
    target_idx: np.ndarray,
    subset_idx: Sequence[Iterable[int]],
    exclude_idx: Exclusions = None,
    ks: Sequence[int] = (1, 2, 3),
) -> dict[str, float]:
    """CIRR's Recall_subset@K: the target ranked only among the query's image-set members.

    ``subset_idx`` gives, per query, the gallery indices of its set's members (target included); excluded
    ones (the reference) are dropped from the ranking.
    """
    q = np.asarray(query_vecs, dtype=np.float32)
    g = np.asarray(gallery_vecs, dtype=np.float32)
    targets = np.asarray(target_idx, dtype=np.int64)
    if len(subset_idx) != len(q) or targets.shape != (len(q),):
        raise ValueError("one target and one subset per query are needed")
    excluded = _exclusion_sets(exclude_idx, len(q))
    ranks = np.empty(len(q), dtype=np.int64)
    for i, members in enumerate(subset_idx):
        t = int(targets[i])
        others = [m for m in set(members) if m != t and m not in excluded[i]]
        if t not in set(members) or t in excluded[i]:
            raise ValueError(f"query {i}: its target {t} is not an allowed member of its subset")
        t_score = float(q[i] @ g[t])
        ranks[i] = int(np.count_nonzero(g[others] @ q[i] >= t_score)) if others else 0
    return {f"recall_subset@{k}": _fraction_below(ranks, k) for k in ks}


def _fraction_below(ranks: np.ndarray, k: int) -> float:
    return float(np.mean(ranks < k)) if len(ranks) else float("nan")


def _exclusion_sets(exclude_idx: Exclusions, n: int) -> list[set[int]]:
    if exclude_idx is None:
        return [set() for _ in range(n)]
    if isinstance(exclude_idx, np.ndarray) and exclude_idx.ndim == 1:
        if len(exclude_idx) != n:
            raise ValueError(f"{len(exclude_idx)} exclusions for {n} queries")
        return [set() if int(e) < 0 else {int(e)} for e in exclude_idx]
    sets = [{int(e) for e in _as_iterable(item)} for item in exclude_idx]
    if len(sets) != n:
        raise ValueError(f"{len(sets)} exclusions for {n} queries")
    return [{e for e in s if e >= 0} for s in sets]


def _as_iterable(item: object) -> Iterable[int]:
    if isinstance(item, (int, np.integer)):
        return [int(item)]
    return item  # type: ignore[return-value]
