"""The engine at 1M photos: query, filtered query, browse page, duplicates, memory. Synthetic, 512-d.

Setup (``--make``, cached in the scratch folder, one process): a catalog of ``-n`` photos written through the
catalog writer — 1,000 folders, capture dates spread over 2005-2025 (70 % EXIF, 30 % file time), kinds 80 % jpeg
/ 10 % heic / 5 % png / 5 % webp — each with a clustered CLIP-like 512-d vector (``query_latency.clustered``);
1 % of the photos are near-copies of another one (its vector plus small noise), so the duplicate finder has real
work. The vector index is built by the engine's ``VectorIndex.rebuild`` (M 32) with a reduced
``--build-ef`` (ef_construction; the app uses 200) because a full-quality 1M build takes hours on two shared
cores; the recall this costs is measured and reported.

Measure (default, a fresh process, so its peak RSS is what a session holding this library needs):
``Library.open`` + vector index load; queries through ``desktop.search.engine.search_vector`` — what
``reframe search`` runs after encoding the text — with held-out vectors as the encoded text: unfiltered (with the
result-count cut, and ``--all`` without it), filtered by a date range keeping ~1 %, one folder (0.1 %), a kind
(~5 %), a year (~5 %); browse pages of 50 (newest first; page 1 and a deep page; and within a year); recall@10 of
the unfiltered search against exact search; the duplicate finder's vector stage over the whole library
(``find_duplicates(check=False)``: the files do not exist; the picture check's cost per pair is measured by
``duplicates_quality``).

Run: ``python -m benchmarks.scale_1m --make`` then ``python -m benchmarks.scale_1m``. Writes
``results/scale_1m.json``.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("REFRAME_TEST_MODELS", "1")

from benchmarks.common import add_output_args, arg_parser, begin, finish, summary_ms, table, write_result
from benchmarks.query_latency import clustered
from benchmarks.rescan import bench_model
from desktop.catalog import INDEXED, Catalog
from desktop.models.encoder import normalize
from desktop.vectors import VectorIndex
from desktop.vectors import index as index_mod

DIM = 512
KINDS = np.array(["jpeg"] * 16 + ["heic"] * 2 + ["png", "webp"])
CHUNK = 50_000


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def make(work: Path, n: int, build_ef: int, seed: int) -> dict[str, Any]:
    model = bench_model(DIM)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    base, held, stats = clustered(n, 200, DIM, 1000, 0.75, 1.0, seed)
    rng = np.random.default_rng(seed + 1)
    copies = rng.choice(n, size=n // 100, replace=False)
    sources = rng.choice(n, size=len(copies), replace=False)
    base[copies] = normalize(base[sources] + rng.standard_normal((len(copies), DIM)).astype(np.float32) * 0.01)
    np.save(work / "held.npy", held)
    t_vectors = time.perf_counter() - t0
    catalog = Catalog.open(work / "lib" / "catalog.sqlite3")
    writer = catalog.writer()
    root = writer.add_root("/bench")
    start_day = dt.datetime(2005, 1, 1).timestamp()
    span = dt.datetime(2025, 12, 31).timestamp() - start_day
    t0 = time.perf_counter()
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        with writer.batch():
            ids = []
            for i in range(start, stop):
                when = start_day + span * ((i * 7919) % n) / n
                exif = i % 10 < 7
                taken = dt.datetime.fromtimestamp(when).isoformat(timespec="seconds") if exif else None
                path = f"/bench/f{i % 1000:04d}/img{i:07d}.jpg"
                ids.append(
                    writer.upsert_image(
                        path,
                        root.id,
                        1000 + i % 5000,
                        int(when * 1e9),
                        f"h{i}",
                        4000,
                        3000,
                        taken,
                        INDEXED,
                        kind=str(KINDS[i % len(KINDS)]),
                    )
                )
            writer.set_embeddings(ids, model, base[start:stop])
        print(f"  catalog {stop}/{n} ({time.perf_counter() - t0:.0f} s)", flush=True)
    t_catalog = time.perf_counter() - t0
    catalog.writer().set_setting("model", model)
    ids = catalog.ids_with_vectors(model)
    catalog.close()
    t0 = time.perf_counter()
    from desktop.paths import LibraryPaths

    index = VectorIndex(LibraryPaths(work / "lib").index_file(model), DIM, model)
    old = index_mod.EF_CONSTRUCTION
    index_mod.EF_CONSTRUCTION = build_ef
    try:
        index.rebuild(ids, base)
    finally:
        index_mod.EF_CONSTRUCTION = old
    index.save()
    t_index = time.perf_counter() - t0
    np.save(work / "base16.npy", base.astype(np.float16))
    return {
        "vectors_s": round(t_vectors, 1),
        "catalog_s": round(t_catalog, 1),
        "index_build_s": round(t_index, 1),
        "build_ef": build_ef,
        "data": stats,
        "near_copies": len(copies),
        "peak_rss_gib": round(rss_gib(), 2),
    }


def make_index(work: Path, n: int, build_ef: int, seed: int) -> dict[str, Any]:
    """Only the vector index (ids 1..n, as a fresh catalog numbers the rows ``make`` writes), so that it can
    be built in a second process while the catalog is written."""
    from desktop.paths import LibraryPaths

    model = bench_model(DIM)
    base, _, _ = clustered(n, 200, DIM, 1000, 0.75, 1.0, seed)
    rng = np.random.default_rng(seed + 1)
    copies = rng.choice(n, size=n // 100, replace=False)
    sources = rng.choice(n, size=len(copies), replace=False)
    base[copies] = normalize(base[sources] + rng.standard_normal((len(copies), DIM)).astype(np.float32) * 0.01)
    np.save(work / "base16.npy", base.astype(np.float16))
    t0 = time.perf_counter()
    index = VectorIndex(LibraryPaths(work / "lib").index_file(model), DIM, model)
    old = index_mod.EF_CONSTRUCTION
    index_mod.EF_CONSTRUCTION = build_ef
    try:
        index.rebuild(np.arange(1, n + 1), base)
    finally:
        index_mod.EF_CONSTRUCTION = old
    index.save()
    return {
        "index_build_s": round(time.perf_counter() - t0, 1),
        "build_ef": build_ef,
        "peak_rss_gib": round(rss_gib(), 2),
    }


class _RowReader:
    """Rows of a 2-d ``.npy`` file read on demand with plain file reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as f:
            major, _ = np.lib.format.read_magic(f)
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            self.shape, _, self.dtype = read_header(f)
            self.offset = f.tell()

    def __len__(self) -> int:
        return int(self.shape[0])

    def rows(self, start: int, count: int) -> np.ndarray:
        count = max(0, min(count, len(self) - start))
        width = int(self.shape[1])
        with self.path.open("rb") as f:
            f.seek(self.offset + start * width * np.dtype(self.dtype).itemsize)
            return np.fromfile(f, dtype=self.dtype, count=count * width).reshape(count, width)


def measure(work: Path, repeats: int, save: Callable[[dict[str, Any]], None], seed: int) -> dict[str, Any]:
    from desktop.duplicates import find_duplicates
    from desktop.library import Library
    from desktop.search.engine import SearchRequest, search_vector
    from desktop.search.filters import Filters
    from desktop.search.query import QueryVector

    model = bench_model(DIM)
    held = np.load(work / "held.npy")[:repeats]
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    lib = Library.open(work / "lib", model)
    index = lib.vector_index
    out["open_and_load_index_s"] = round(time.perf_counter() - t0, 2)
    out["vectors"] = len(index)
    out["rss_after_load_gib"] = round(rss_gib(), 2)

    from desktop.search.vector_cache import cache_for

    t0 = time.perf_counter()
    cache_for(lib).load()  # what the first filtered search pays
    out["vector_cache_load_s"] = round(time.perf_counter() - t0, 1)
    out["rss_after_vector_cache_gib"] = round(rss_gib(), 2)
    print(
        f"index loaded in {out['open_and_load_index_s']} s; vectors into memory in {out['vector_cache_load_s']} s",
        flush=True,
    )

    def timed(req: SearchRequest) -> tuple[dict[str, float], list[Any]]:
        times, founds = [], []
        search_vector(lib, QueryVector(held[0], "text"), req)  # warm caches
        for q in held:
            t = time.perf_counter()
            founds.append(search_vector(lib, QueryVector(q, "text"), req))
            times.append(time.perf_counter() - t)
        return summary_ms(times), founds

    cases = {
        "unfiltered, --all (k 10, no cut)": SearchRequest(k=10, all=True),
        "unfiltered, with the result-count cut": SearchRequest(k=10),
        "date range ~1% (2 months), --all": SearchRequest(k=10, all=True, filters=Filters.parse("2010-03", "2010-04")),
        "one folder 0.1%, --all": SearchRequest(k=10, all=True, filters=Filters.parse(folders=["/bench/f0042"])),
        "kind png ~5%, --all": SearchRequest(k=10, all=True, filters=Filters.parse(kinds="png")),
        "year 2015 ~5%, --all": SearchRequest(k=10, all=True, filters=Filters.parse("2015", "2015")),
        "date range ~1%, with the cut": SearchRequest(k=10, filters=Filters.parse("2010-03", "2010-04")),
        "kind png ~5%, with the cut": SearchRequest(k=10, filters=Filters.parse(kinds="png")),
        "year 2015 ~5%, with the cut": SearchRequest(k=10, filters=Filters.parse("2015", "2015")),
        "kind heic ~10%, --all": SearchRequest(k=10, all=True, filters=Filters.parse(kinds="heic")),
        "kind heic ~10%, with the cut": SearchRequest(k=10, filters=Filters.parse(kinds="heic")),
        "kind jpeg ~80%, --all": SearchRequest(k=10, all=True, filters=Filters.parse(kinds="jpeg")),
        "kind jpeg ~80%, with the cut": SearchRequest(k=10, filters=Filters.parse(kinds="jpeg")),
    }
    # The ids a filter keeps are read once and kept until the catalog changes: what the first search under a
    # new filter pays on top of the figures below (which are the searches after it).
    from desktop.catalog import queries as catalog_queries

    first_read = {}
    for name, req in cases.items():
        if req.filters.active and name.endswith("--all"):
            t = time.perf_counter()
            catalog_queries.filtered_ids(
                lib.catalog, Filters(req.filters.after, req.filters.before, req.filters.folders, req.filters.kinds)
            )
            first_read[name.split(",")[0]] = round((time.perf_counter() - t) * 1000, 1)
    out["filter_ids_first_read_ms"] = first_read
    print(f"reading a new filter's ids: {first_read} ms", flush=True)
    rows = []
    out["queries"] = {}
    for name, req in cases.items():
        stats, founds = timed(req)
        stats["matches_mean"] = float(np.mean([f.matches or 0 for f in founds]))
        out["queries"][name] = stats
        rows.append([name, stats["p50_ms"], stats["p95_ms"], stats["matches_mean"]])
        print(table(["query", "p50 ms", "p95 ms", "matches"], rows[-1:]), flush=True)
        save(out)
    # browse pages of 50
    browse = {}
    for name, req in {
        "newest 50": SearchRequest(k=50),
        "page 1000 (offset 50,000)": SearchRequest(k=50, offset=50_000),
        "year 2015, newest 50": SearchRequest(k=50, filters=Filters.parse("2015", "2015")),
        "one folder, newest 50": SearchRequest(k=50, filters=Filters.parse(folders=["/bench/f0042"])),
    }.items():
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            lib.find(req)
            times.append(time.perf_counter() - t)
        browse[name] = summary_ms(times)
        print(table(["browse", "p50 ms", "p95 ms"], [[name, browse[name]["p50_ms"], browse[name]["p95_ms"]]]))
    out["browse"] = browse
    save(out)  # the duplicates stage is the longest: keep what is measured so far
    t0 = time.perf_counter()
    report = find_duplicates(lib, check=False)
    took = time.perf_counter() - t0
    # The planted near-copies (``make``: photo ``copies[i]`` is ``sources[i]`` plus a little noise; ids are
    # positions + 1): how many pairs ended up in one group.
    rng = np.random.default_rng(seed + 1)
    copies = rng.choice(len(index), size=len(index) // 100, replace=False)
    sources = rng.choice(len(index), size=len(copies), replace=False)
    group_of = {f.id: g for g, members in enumerate(report.groups) for f in members}
    planted = [(int(c) + 1, int(s) + 1) for c, s in zip(copies, sources, strict=True) if c != s]
    found = sum(1 for a, b in planted if a in group_of and group_of.get(a) == group_of.get(b))
    out["duplicates_vector_stage"] = {
        "seconds": round(took, 1),
        "candidate_pairs": report.candidates,
        "groups": len(report.groups),
        "planted_pairs": len(planted),
        "planted_pairs_found": found,
    }
    print(out["duplicates_vector_stage"], flush=True)
    # What the app holds at most: queries, browsing and the duplicate finder, before the benchmark's own
    # ground truth below.
    out["rss_app_peak_gib"] = round(rss_gib(), 2)
    # recall@10 of the unfiltered search against exact search over all vectors (read in slices, not mapped: a
    # mapping would count the 1 GiB file in this process's RSS, which is the benchmark's, not the app's)
    base = _RowReader(work / "base16.npy")
    ids = lib.catalog.ids_with_vectors(model)
    truth = np.zeros((len(held), 10), np.int64)
    best = np.full((len(held), 10), -np.inf, np.float32)
    for start in range(0, len(base), 25_000):
        part = base.rows(start, 25_000).astype(np.float32)
        sims = held @ part.T
        both = np.concatenate([best, sims], axis=1)
        both_ids = np.concatenate([truth, np.broadcast_to(ids[start : start + len(part)], sims.shape)], axis=1)
        top = np.argsort(-both, axis=1)[:, :10]
        best, truth = np.take_along_axis(both, top, 1), np.take_along_axis(both_ids, top, 1)
    got = [[h.image_id for h in f.hits] for f in timed(SearchRequest(k=10, all=True))[1]]
    out["recall@10_unfiltered"] = round(
        float(np.mean([len(set(g) & set(t)) / 10 for g, t in zip(got, truth.tolist(), strict=True)])), 4
    )
    out["peak_rss_gib"] = round(rss_gib(), 2)
    lib.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = arg_parser(__doc__)
    ap.add_argument("-n", "--photos", type=int, default=1_000_000)
    ap.add_argument("--make", action="store_true", help="build the synthetic library (slow), then stop")
    ap.add_argument("--make-index", action="store_true", help="build only its vector index (run beside --make)")
    ap.add_argument("--build-ef", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=100)
    ap.add_argument("--seed", type=int, default=11)
    add_output_args(ap, "scale_1m")
    args = ap.parse_args(argv)
    work = args.scratch / f"scale-{args.photos}"
    info = begin()
    if args.make_index:
        made = make_index(work, args.photos, args.build_ef, args.seed)
        print(made)
        finish("scale_1m_index", info, {"photos": args.photos, **made}, args)
        return 0
    if args.make:
        made = make(work, args.photos, args.build_ef, args.seed)
        print(made)
        finish("scale_1m_make", info, {"photos": args.photos, **made}, args)
        return 0

    def save(partial: dict[str, Any]) -> None:
        write_result(
            args.name,
            {"benchmark": "scale_1m", "partial": True, "machine": info, "photos": args.photos, **partial},
            args.out,
        )

    finish("scale_1m", info, {"photos": args.photos, **measure(work, args.repeats, save, args.seed)}, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
