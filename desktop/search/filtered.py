"""Nearest neighbours among a subset of the library (a date range, some folders, some kinds).

Three ways to rank only the allowed ids, all returning cosine scores best first:

* ``exact``: score every allowed vector against the query (the library's vectors held in memory as float16,
  ``desktop.search.vector_cache``: hnswlib's ``get_items`` costs ~50 µs a vector). Exact by construction; its
  cost grows with the subset.
* ``filter``: hnswlib's own search with a filter callback, so the graph walk skips disallowed ids. Fast
  when most ids are allowed; when few are, the walk has to visit many disallowed nodes to find k allowed
  ones, and recall drops unless ef grows with 1/selectivity.
* ``overfetch``: an unfiltered search for k / selectivity candidates, then filtered; the same weakness.

``auto`` picks ``exact`` for subsets up to :data:`EXACT_MAX` ids, and above that ``overfetch`` while it needs at
most :data:`OVERFETCH_MAX` candidates (a page of results from a large subset), else ``exact`` again (the first
2,048 of a 5 % subset for the result-count cut). At 100k vectors exact search over 1 % of them is both exact
and faster than either graph method (``benchmarks/filtered_search.py``). At a million, hnswlib's filter
callback, a Python call for every node the walk visits, took 120-340 ms for 5-80 % subsets, where over-fetching
with a vectorised membership test takes a few (``benchmarks/scale_1m.py``); ``filter`` stays for comparison.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Set as AbstractSet

import numpy as np

from desktop.models.encoder import normalize
from desktop.vectors import VectorIndex
from desktop.vectors.exact import locate, top_k

STRATEGIES = ("auto", "exact", "filter", "overfetch")
#: Subsets up to this many ids are searched exactly (measured crossover, see the module docstring).
EXACT_MAX = 20_000
#: Cap on ef for filtered graph searches: beyond it an exact search is cheaper anyway.
MAX_EF = 4096
#: The most candidates an over-fetching search asks the graph for; a subset that would need more is scored
#: exactly (measured at a million photos: ``benchmarks/scale_1m.py``).
OVERFETCH_MAX = 4096

#: (ids, unit query) -> (found ids, their cosine scores): e.g. ``VectorCache.scores``.
Score = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def search_subset(
    index: VectorIndex,
    query: np.ndarray,
    k: int,
    allowed: np.ndarray,
    *,
    exclude: AbstractSet[int] | None = None,
    strategy: str = "auto",
    score: Score | None = None,
) -> list[tuple[int, float]]:
    """The ``k`` ids of ``allowed`` (int64 catalog ids) nearest to ``query``, never one in ``exclude``.

    Ids in ``allowed`` that the index does not hold are ignored. ``score`` scores them for the exact strategy
    (default: from the index's own vectors, which is slow).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}")
    ids = np.asarray(allowed, dtype=np.int64).reshape(-1)
    if exclude:
        ids = ids[~np.isin(ids, np.fromiter(exclude, dtype=np.int64, count=len(exclude)))]
    if k <= 0 or len(ids) == 0:
        return []
    selectivity = min(1.0, len(ids) / max(1, len(index)))
    overfetch = math.ceil(2 * k / max(selectivity, 1e-6))  # candidates for k allowed ones, on average twice over
    if strategy == "auto":
        strategy = "exact" if len(ids) <= EXACT_MAX or overfetch > OVERFETCH_MAX else "overfetch"
    if strategy == "exact":
        found, scores = (score or _index_scores(index))(ids, normalize(np.asarray(query, np.float32).reshape(-1)))
        return top_k(found, scores, k)
    if strategy == "filter":
        # With a fraction s of ids allowed, the walk meets about s * ef allowed nodes: keep that near
        # the ef an unfiltered search would use.
        ef = min(MAX_EF, math.ceil(max(index.ef_search, 2 * k) / max(selectivity, 1e-6)))
        return index.search(query, k, allow=set(ids.tolist()), ef=ef)
    want = min(len(index), overfetch)
    while True:
        hits = index.search(query, want, exclude=exclude or None)
        kept = [h for h, inside in zip(hits, contains(ids, [i for i, _ in hits]), strict=True) if inside]
        if len(kept) >= k or want >= len(index):
            return kept[:k]
        want = min(len(index), want * 2)


def contains(sorted_ids: np.ndarray, ids: list[int] | np.ndarray) -> np.ndarray:
    """For each of ``ids``, whether it is in ``sorted_ids`` (ascending int64)."""
    return locate(sorted_ids, ids)[1]


def _index_scores(index: VectorIndex) -> Score:
    def score(ids: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        found, vecs = index.vectors_of(ids)
        return found, (vecs @ query if len(found) else np.empty(0, np.float32))

    return score
