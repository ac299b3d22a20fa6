"""Search latency and HNSW recall of Reframe's VectorIndex on 100k synthetic 512-d vectors.

Two data sets, both L2-normalised, with held-out queries drawn from the same distribution:

* ``clustered`` (resembles CLIP image embeddings): 1000 cluster centres sharing a common direction
  (CLIP embeddings are anisotropic: random image pairs have cosine ~0.3-0.5), each vector = its centre +
  Gaussian noise, so that it sits at cosine ~0.8 from its centre. The measured statistics are printed.
* ``uniform``: plain isotropic Gaussian vectors, normalised: uniform on the sphere, the hardest case for
  a graph index in 512 dimensions; reported for honesty.

For each: the time to build the index (``VectorIndex.rebuild``, hnswlib M=32, ef_construction=200, all
cores), save and reopen it; single-query latency p50/p95 of ``VectorIndex.search`` (what the app calls,
one query at a time) for k=10 and k=100; recall@10 against exact search over the held-out queries for
a range of ``ef_search`` values, with the latency at each. Ground truth is brute force (numpy matrix
product on normalised vectors) and is checked against ``desktop.vectors.exact_search`` on a subset.

Run: ``python -m benchmarks.query_latency`` (``--help`` for sizes). Writes
``benchmarks/results/query_latency.json``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a file: make ``benchmarks`` and ``desktop`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import SCRATCH, cpu_note, load_average, machine_info, summary_ms, table, write_result
from desktop.models.encoder import normalize
from desktop.vectors import VectorIndex, exact_search
from desktop.vectors import index as index_mod

MODEL = "bench-query-latency"


# -- data -------------------------------------------------------------------------------------------


def clustered(
    n: int, queries: int, dim: int, clusters: int, spread: float, shared: float, seed: int
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """``n`` base and ``queries`` held-out vectors around ``clusters`` centres; and their statistics."""
    rng = np.random.default_rng(seed)
    common = normalize(rng.standard_normal(dim))
    centres = normalize(normalize(rng.standard_normal((clusters, dim))) + shared * common)

    def draw(count: int) -> tuple[np.ndarray, np.ndarray]:
        which = rng.integers(0, clusters, size=count)
        out = np.empty((count, dim), np.float32)
        for start in range(0, count, 20_000):
            part = which[start : start + 20_000]
            noise = rng.standard_normal((len(part), dim)).astype(np.float32) * (spread / np.sqrt(dim))
            out[start : start + len(part)] = normalize(centres[part] + noise)
        return out, which

    base, which = draw(n)
    held, _ = draw(queries)
    pick = rng.integers(0, n, size=(2000, 2))
    stats = {
        "mean_cos_to_own_centre": float(np.mean(np.sum(base[:2000] * centres[which[:2000]], axis=1))),
        "mean_cos_random_pairs": float(np.mean(np.sum(base[pick[:, 0]] * base[pick[:, 1]], axis=1))),
        "mean_cos_query_to_its_nearest": 0.0,  # filled in after the ground truth
    }
    return base, held, stats


def uniform(n: int, queries: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    rng = np.random.default_rng(seed)
    base = np.empty((n, dim), np.float32)
    for start in range(0, n, 20_000):
        m = min(20_000, n - start)
        base[start : start + m] = normalize(rng.standard_normal((m, dim)).astype(np.float32))
    held = normalize(rng.standard_normal((queries, dim)).astype(np.float32))
    pick = rng.integers(0, n, size=(2000, 2))
    stats = {
        "mean_cos_random_pairs": float(np.mean(np.sum(base[pick[:, 0]] * base[pick[:, 1]], axis=1))),
        "mean_cos_query_to_its_nearest": 0.0,
    }
    return base, held, stats


def ground_truth(base: np.ndarray, held: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` row indices (best first) and their scores, by cosine, for every query."""
    ids = np.empty((len(held), k), np.int64)
    scores = np.empty((len(held), k), np.float32)
    for start in range(0, len(held), 100):
        sims = held[start : start + 100] @ base.T
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        part = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-part, axis=1, kind="stable")
        ids[start : start + 100] = np.take_along_axis(top, order, axis=1)
        scores[start : start + 100] = np.take_along_axis(part, order, axis=1)
    return ids, scores


# -- measurement -----------------------------------------------------------------------------------


def latencies(index: VectorIndex, held: np.ndarray, k: int) -> tuple[list[float], list[list[int]]]:
    times: list[float] = []
    found: list[list[int]] = []
    for q in held:
        t0 = time.perf_counter()
        hits = index.search(q, k)
        times.append(time.perf_counter() - t0)
        found.append([i for i, _ in hits])
    return times, found


def recall(found: list[list[int]], truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k]) & set(t[:k].tolist())) / k for f, t in zip(found, truth, strict=True)]))


def run_dataset(
    name: str, base: np.ndarray, held: np.ndarray, stats: dict[str, float], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    n, dim = base.shape
    print(f"\n[{name}] {n} x {dim}, {len(held)} queries", flush=True)
    truth, truth_scores = ground_truth(base, held, 100)
    stats["mean_cos_query_to_its_nearest"] = float(truth_scores[:, 0].mean())

    # Check the brute-force ground truth against the engine's exact_search on a few queries.
    check = min(args.check, len(held))
    exact_times = []
    for qi in range(check):
        t0 = time.perf_counter()
        hits = exact_search(base, held[qi], 10)
        exact_times.append(time.perf_counter() - t0)
        if [i for i, _ in hits] != truth[qi, :10].tolist():
            raise RuntimeError(f"ground truth disagrees with exact_search on query {qi}")

    ids = np.arange(n, dtype=np.int64)
    path = workdir / f"{name}.hnsw"
    index = VectorIndex(path, dim, MODEL)
    t0 = time.perf_counter()
    index.rebuild(ids, base)
    build_s = time.perf_counter() - t0
    print(f"  build {build_s:.1f} s ({n / build_s:.0f} vectors/s)", flush=True)
    t0 = time.perf_counter()
    index.save()
    save_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = VectorIndex.open(path, dim, MODEL)
    load_s = time.perf_counter() - t0
    if index.needs_rebuild or len(index) != n:
        raise RuntimeError(f"reopened index is not usable: {index.rebuild_reason}")

    for q in held[:20]:  # warm-up
        index.search(q, 10)
    default_ef = index_mod.EF_SEARCH
    lat: dict[str, Any] = {}
    for k in (10, 100):
        times, found = latencies(index, held, k)
        lat[f"k={k}"] = summary_ms(times) | {
            "effective_ef": max(default_ef, 2 * k),
            f"recall@{k}": round(recall(found, truth, k), 4),
        }
        print(
            f"  k={k:<3} p50 {lat[f'k={k}']['p50_ms']:.3f} ms  p95 {lat[f'k={k}']['p95_ms']:.3f} ms  "
            f"recall@{k} {lat[f'k={k}'][f'recall@{k}']:.4f}",
            flush=True,
        )

    sweep = []
    for ef in args.ef:
        index.ef_search = ef
        times, found = latencies(index, held, 10)
        row = {"ef_search": ef, "effective_ef": max(ef, 20), "recall@10": round(recall(found, truth, 10), 4)}
        row |= summary_ms(times)
        sweep.append(row)
        print(
            f"  ef={ef:<4} recall@10 {row['recall@10']:.4f}  p50 {row['p50_ms']:.3f} ms  p95 {row['p95_ms']:.3f} ms",
            flush=True,
        )
    index.ef_search = default_ef
    reaching = [r for r in sweep if r["recall@10"] >= args.target_recall]
    first_ok = min(reaching, key=lambda r: r["effective_ef"]) if reaching else None
    return {
        "dataset": name,
        "vectors": n,
        "dim": dim,
        "queries": len(held),
        "statistics": {k: round(v, 4) for k, v in stats.items()},
        "build_s": round(build_s, 2),
        "build_vectors_per_s": round(n / build_s, 1),
        "save_s": round(save_s, 3),
        "load_s": round(load_s, 3),
        "index_file_bytes": path.stat().st_size,
        "latency_default_ef": lat,
        "default_ef_search": default_ef,
        "recall_sweep_k10": sweep,
        "smallest_ef_reaching_target": first_ok,
        "exact_search_ms": summary_ms(exact_times),
    }


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--vectors", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--spread", type=float, default=0.75, help="noise norm relative to a centre (clustered)")
    ap.add_argument("--shared", type=float, default=1.0, help="weight of the common direction (clustered)")
    ap.add_argument("--datasets", default="clustered,uniform")
    ap.add_argument(
        "--ef",
        type=_ints,
        default=[20, 32, 48, 64, 96, 128, 192, 256, 384, 512],
        help="ef_search values for the recall sweep (the engine uses max(ef, 2k))",
    )
    ap.add_argument("--target-recall", type=float, default=0.98)
    ap.add_argument("--check", type=int, default=10, help="queries checked against exact_search")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scratch", type=Path, default=SCRATCH)
    ap.add_argument("--out", type=Path, default=None, help="results folder (default benchmarks/results)")
    ap.add_argument("--name", default="query_latency", help="result file name, without .json")
    args = ap.parse_args(argv)
    print(cpu_note(), flush=True)
    info = machine_info()
    try:
        info["hnswlib"] = importlib.metadata.version("hnswlib")
    except importlib.metadata.PackageNotFoundError:
        info["hnswlib"] = "unknown"
    args.scratch.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="query-", dir=args.scratch))
    results = []
    try:
        for name in [d.strip() for d in args.datasets.split(",") if d.strip()]:
            if name == "clustered":
                base, held, stats = clustered(
                    args.vectors, args.queries, args.dim, args.clusters, args.spread, args.shared, args.seed
                )
            elif name == "uniform":
                base, held, stats = uniform(args.vectors, args.queries, args.dim, args.seed)
            else:
                raise SystemExit(f"unknown data set {name!r}")
            results.append(run_dataset(name, base, held, stats, args, workdir))
            del base, held
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    rows = []
    for r in results:
        lat = r["latency_default_ef"]
        ok = r["smallest_ef_reaching_target"]
        rows.append(
            [
                r["dataset"],
                r["build_s"],
                lat["k=10"]["p50_ms"],
                lat["k=10"]["p95_ms"],
                lat["k=100"]["p50_ms"],
                lat["k=100"]["p95_ms"],
                lat["k=10"]["recall@10"],
                ok["ef_search"] if ok else "none",
                ok["p50_ms"] if ok else "-",
                ok["p95_ms"] if ok else "-",
            ]
        )
    print(
        table(
            [
                "data",
                "build s",
                "k10 p50 ms",
                "k10 p95 ms",
                "k100 p50 ms",
                "k100 p95 ms",
                "recall@10 (ef 64)",
                f"ef for {args.target_recall}",
                "p50 ms there",
                "p95 ms there",
            ],
            rows,
        )
    )
    for r in results:
        print(
            f"\n{r['dataset']}: statistics {r['statistics']}; exact_search p50 {r['exact_search_ms']['p50_ms']:.1f} ms"
        )

    info["load_average_at_end"] = load_average()
    result = {
        "benchmark": "query_latency",
        "machine": info,
        "index": {
            "M": index_mod.M,
            "ef_construction": index_mod.EF_CONSTRUCTION,
            "default_ef_search": index_mod.EF_SEARCH,
            "space": "ip on L2-normalised vectors",
            "search_threads": 1,
            "build_threads": "all cores (num_threads=-1)",
        },
        "data": {
            "clustered": f"{args.clusters} centres with a shared direction (weight {args.shared}), noise "
            f"norm {args.spread}, normalised; queries held out from the same distribution",
            "uniform": "isotropic Gaussian, normalised (uniform on the sphere)",
            "note": "synthetic: real CLIP text queries also differ from image vectors (modality gap)",
        },
        "target_recall_at_10": args.target_recall,
        "results": results,
    }
    path = write_result(args.name, result, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
