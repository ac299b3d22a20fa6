"""Nearest neighbours among a subset of the library (a date range, some folders, some kinds).

Three ways to rank only the allowed ids, all returning cosine scores best first:

* ``exact``: gather the allowed vectors (from the catalog, where they are float16 blobs: hnswlib's
  ``get_items`` costs ~15-80 µs a vector, the catalog a few) and score them with one matrix product. Exact
  by construction; its cost grows with the subset.
* ``filter``: hnswlib's own search with a filter callback, so the graph walk skips disallowed ids. Fast
  when most ids are allowed; when few are, the walk has to visit many disallowed nodes to find k allowed
  ones, and recall drops unless ef grows with 1/selectivity.
* ``overfetch``: an unfiltered search for k / selectivity candidates, then filtered; the same weakness.

``auto`` picks ``exact`` for subsets up to :data:`EXACT_MAX` ids and ``filter`` (with ef scaled by the
selectivity) above. The threshold comes from ``benchmarks/filtered_search.py`` (see its README section):
at 100k vectors exact search over 1% of them is both exact and faster than either graph method.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Set as AbstractSet

import numpy as np

from desktop.vectors import VectorIndex, exact_search

STRATEGIES = ("auto", "exact", "filter", "overfetch")
#: Subsets up to this many ids are searched exactly (measured crossover, see the module docstring).
EXACT_MAX = 20_000
#: Cap on ef for filtered graph searches: beyond it an exact search is cheaper anyway.
MAX_EF = 4096

#: ids -> (found ids, their vectors): e.g. ``lambda ids: catalog.vectors(model, ids)``.
Fetch = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def search_subset(
    index: VectorIndex,
    query: np.ndarray,
    k: int,
    allowed: np.ndarray,
    *,
    exclude: AbstractSet[int] | None = None,
    strategy: str = "auto",
    fetch: Fetch | None = None,
) -> list[tuple[int, float]]:
    """The ``k`` ids of ``allowed`` (int64 catalog ids) nearest to ``query``, never one in ``exclude``.

    Ids in ``allowed`` that the index does not hold are ignored. ``fetch`` gives the vectors for the exact
    strategy (default: the index's own, which is slow).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}")
    ids = np.asarray(allowed, dtype=np.int64).reshape(-1)
    if exclude:
        ids = ids[~np.isin(ids, np.fromiter(exclude, dtype=np.int64, count=len(exclude)))]
    if k <= 0 or len(ids) == 0:
        return []
    if strategy == "auto":
        strategy = "exact" if len(ids) <= EXACT_MAX else "filter"
    if strategy == "exact":
        found, vecs = (fetch or index.vectors_of)(ids)
        return exact_search(vecs, query, k, ids=found)
    allow = set(ids.tolist())
    selectivity = min(1.0, len(allow) / max(1, len(index)))
    if strategy == "filter":
        # With a fraction s of ids allowed, the walk meets about s * ef allowed nodes: keep that near
        # the ef an unfiltered search would use.
        ef = min(MAX_EF, math.ceil(max(index.ef_search, 2 * k) / max(selectivity, 1e-6)))
        return index.search(query, k, allow=allow, ef=ef)
    want = min(len(index), math.ceil(2 * k / max(selectivity, 1e-6)))
    while True:
        hits = [(i, s) for i, s in index.search(query, want) if i in allow]
        if len(hits) >= k or want >= len(index):
            return hits[:k]
        want = min(len(index), want * 2)
