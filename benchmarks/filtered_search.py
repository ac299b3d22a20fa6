"""Filtered search: which way to rank only the photos a filter keeps, measured at 100k × 512-d.

A filter (dates, folders, kinds) leaves a subset of catalog ids; ``desktop.search.filtered.search_subset``
ranks only those. This script compares its strategies — ``exact`` (gather the subset's vectors, one matrix
product), ``filter`` (hnswlib's filter callback, ef scaled by 1/selectivity), ``overfetch`` (unfiltered
search for k/selectivity candidates, then filter) and ``auto`` (what the engine uses) — for subsets keeping
50 %, 10 %, 1 % and 0.1 % of the library, drawn two ways:

* ``random``: ids picked at random (a date range or a folder uncorrelated with content);
* ``clustered``: every vector of a few clusters (a folder of one trip: content and filter agree), queried
  from anywhere, so most queries sit far from the allowed region — the hard case for a graph walk.

Per cell: recall@10 against exact filtered search and single-query latency p50/p95 (the time of
``search_subset`` including turning the id array into a set). Vectors: the clustered CLIP-like data of
``benchmarks/query_latency.py``. The index is built once with the engine's settings and cached in the scratch
folder. Run: ``python -m benchmarks.filtered_search`` (``--help``). Writes ``results/filtered_search.json``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import add_output_args, arg_parser, begin, finish, summary_ms, table
from benchmarks.query_latency import clustered
from desktop.catalog import INDEXED, Catalog
from desktop.search.filtered import EXACT_MAX, search_subset
from desktop.search.vector_cache import VectorCache
from desktop.vectors import VectorIndex
from desktop.vectors import index as index_mod

MODEL = "bench-filtered"


def build_index(base: np.ndarray, path: Path, ef_construction: int) -> tuple[VectorIndex, float]:
    """The engine's index over ``base`` (ids 1..n), loaded from ``path`` when a matching one was saved."""
    index = VectorIndex.open(path, base.shape[1], MODEL)
    if not index.needs_rebuild and len(index) == len(base):
        return index, 0.0
    t0 = time.perf_counter()
    old = index_mod.EF_CONSTRUCTION
    index_mod.EF_CONSTRUCTION = ef_construction
    try:
        index.rebuild(np.arange(1, len(base) + 1), base)
    finally:
        index_mod.EF_CONSTRUCTION = old
    seconds = time.perf_counter() - t0
    index.save()
    return index, seconds


def build_catalog(base: np.ndarray, path: Path) -> Catalog:
    """A catalog holding ``base`` as the stored (float16) vectors of images 1..n, made once."""
    fresh = not path.exists()
    catalog = Catalog.open(path)
    if fresh or len(catalog.ids_with_vectors(MODEL)) != len(base):
        writer = catalog.writer()
        with writer.batch():
            root = writer.add_root("/bench")
            for start in range(0, len(base), 10_000):
                ids = [
                    writer.upsert_image(f"/bench/{i:07d}.jpg", root.id, 1, 1, None, 1, 1, None, INDEXED)
                    for i in range(start, min(start + 10_000, len(base)))
                ]
                writer.set_embeddings(ids, MODEL, base[start : start + len(ids)])
    return catalog


def subsets(n: int, which: np.ndarray, fraction: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Allowed id arrays (ids are row + 1) keeping about ``fraction`` of ``n``."""
    random_ids = np.sort(rng.choice(n, size=max(1, round(n * fraction)), replace=False)) + 1
    clusters = np.unique(which)
    order = rng.permutation(clusters)
    picked: list[int] = []
    count = 0
    for c in order:  # whole clusters until the fraction is reached
        picked.append(int(c))
        count += int(np.sum(which == c))
        if count >= n * fraction:
            break
    cluster_ids = np.flatnonzero(np.isin(which, picked)) + 1
    return {"random": random_ids, "clustered": cluster_ids}


def exact_truth(base: np.ndarray, q: np.ndarray, allowed: np.ndarray, k: int) -> set[int]:
    scores = base[allowed - 1] @ q
    top = np.argsort(-scores)[:k]
    return set(allowed[top].tolist())


def main(argv: list[str] | None = None) -> int:
    ap = arg_parser(__doc__)
    ap.add_argument("-n", "--vectors", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--fractions", default="0.5,0.1,0.01,0.001")
    ap.add_argument("--strategies", default="exact,filter,overfetch,auto")
    ap.add_argument("--ef-construction", type=int, default=index_mod.EF_CONSTRUCTION)
    ap.add_argument("--seed", type=int, default=7)
    add_output_args(ap, "filtered_search")
    args = ap.parse_args(argv)
    info = begin()
    # The labels of the vectors are needed for the clustered subsets: draw them again with the same seed.
    base, held, _ = clustered(args.vectors, args.queries, args.dim, 1000, 0.75, 1.0, args.seed)
    which = np.argmax(base @ _centres(base, args.seed, args.dim).T, axis=1)
    args.scratch.mkdir(parents=True, exist_ok=True)
    path = args.scratch / f"filtered-{args.vectors}-{args.dim}-ef{args.ef_construction}.bin"
    print(f"index of {args.vectors} vectors at {path} ...", flush=True)
    index, build_s = build_index(base, path, args.ef_construction)
    print(f"  built in {build_s:.0f} s" if build_s else "  loaded", flush=True)
    catalog = build_catalog(base, args.scratch / f"filtered-{args.vectors}-{args.dim}.sqlite3")

    cache = VectorCache(catalog, MODEL)  # what the engine gathers subsets from
    t0 = time.perf_counter()
    cache.load()
    cache_load_s = time.perf_counter() - t0
    print(f"  vectors read into memory in {cache_load_s:.1f} s", flush=True)
    score = cache.scores

    fractions = [float(x) for x in args.fractions.split(",")]
    strategies = args.strategies.split(",")
    rows: list[list[Any]] = []
    results: list[dict[str, Any]] = []
    for fraction in fractions:
        for kind, allowed in subsets(args.vectors, which, fraction, np.random.default_rng(args.seed + 1)).items():
            truths = [exact_truth(base, q, allowed, args.k) for q in held]
            for strategy in strategies:
                times: list[float] = []
                hits = 0
                leaks = 0
                allow_set = set(allowed.tolist())
                for q, truth in zip(held, truths, strict=True):
                    t0 = time.perf_counter()
                    found = search_subset(index, q, args.k, allowed, strategy=strategy, score=score)
                    times.append(time.perf_counter() - t0)
                    ids = [i for i, _ in found]
                    leaks += sum(1 for i in ids if i not in allow_set)
                    hits += len(set(ids) & truth)
                rec = hits / (len(held) * min(args.k, len(allowed)))
                stats = summary_ms(times)
                results.append(
                    {
                        "fraction": fraction,
                        "subset": kind,
                        "allowed": len(allowed),
                        "strategy": strategy,
                        "recall@10": round(rec, 4),
                        "results_outside_filter": leaks,
                        **stats,
                    }
                )
                rows.append([fraction, kind, len(allowed), strategy, rec, stats["p50_ms"], stats["p95_ms"], leaks])
                print(table(["kept", "subset", "ids", "strategy", "R@10", "p50 ms", "p95 ms", "leaks"], rows[-1:]))
    print()
    print(table(["kept", "subset", "ids", "strategy", "R@10", "p50 ms", "p95 ms", "leaks"], rows))
    finish(
        "filtered_search",
        info,
        {
            "vectors": args.vectors,
            "dim": args.dim,
            "queries": len(held),
            "k": args.k,
            "index": {"M": index_mod.M, "ef_construction": args.ef_construction, "ef_search": index_mod.EF_SEARCH},
            "build_s": round(build_s, 1) if build_s else None,
            "auto_exact_max": EXACT_MAX,
            "vector_cache_load_s": round(cache_load_s, 2),
            "results": results,
        },
        args,
    )
    return 0


def _centres(base: np.ndarray, seed: int, dim: int) -> np.ndarray:
    """The 1000 cluster centres ``clustered`` drew (same generator, same order of draws)."""
    from desktop.models.encoder import normalize

    rng = np.random.default_rng(seed)
    common = normalize(rng.standard_normal(dim))
    return normalize(normalize(rng.standard_normal((1000, dim))) + 1.0 * common)


if __name__ == "__main__":
    sys.exit(main())
