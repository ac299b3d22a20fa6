"""Browsing a big library: the first page, the pages after it, and filtered pages (catalog only, no vectors).

Setup (cached in the scratch folder): ``-n`` searchable photos written through the catalog's writer, spread
over 21 years, 1,000 folders and the usual kinds, 70 % with an EXIF date. Then, in a fresh process each
time the catalog is opened: every browse request of ``scale_1m.py`` asked ``--repeats`` times. The first
ask counts the photos that pass the filters (a walk over an index of all of them); the pages after it reuse
that count until the catalog changes (``Catalog._cached``), which is what paging through a browse does.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from benchmarks.common import add_output_args, arg_parser, begin, finish, summary_ms, table
from benchmarks.rescan import bench_model
from desktop.catalog import INDEXED, Catalog
from desktop.library import Library
from desktop.search.engine import SearchRequest
from desktop.search.filters import Filters

KINDS = ["jpeg"] * 16 + ["heic"] * 2 + ["png", "webp"]
CHUNK = 50_000


def make(lib_dir: Path, n: int) -> float:
    catalog = Catalog.open(lib_dir / "catalog.sqlite3")
    writer = catalog.writer()
    root = writer.add_root("/bench")
    start_day = dt.datetime(2005, 1, 1).timestamp()
    span = dt.datetime(2025, 12, 31).timestamp() - start_day
    t0 = time.perf_counter()
    for start in range(0, n, CHUNK):
        with writer.batch():
            for i in range(start, min(n, start + CHUNK)):
                when = start_day + span * ((i * 7919) % n) / n
                taken = dt.datetime.fromtimestamp(when).isoformat(timespec="seconds") if i % 10 < 7 else None
                writer.upsert_image(
                    f"/bench/f{i % 1000:04d}/img{i:07d}.jpg", root.id, 1000 + i % 5000, int(when * 1e9),
                    f"h{i}", 4000, 3000, taken, INDEXED, kind=KINDS[i % len(KINDS)],
                )  # fmt: skip
        print(f"  catalog {min(n, start + CHUNK)}/{n} ({time.perf_counter() - t0:.0f} s)", flush=True)
    catalog.close()
    return time.perf_counter() - t0


REQUESTS = {
    "newest 50": SearchRequest(k=50),
    "page 1000 (offset 50,000)": SearchRequest(k=50, offset=50_000),
    "year 2015, newest 50": SearchRequest(k=50, filters=Filters.parse("2015", "2015")),
    "one folder, newest 50": SearchRequest(k=50, filters=Filters.parse(folders=["/bench/f0042"])),
}


def measure(lib_dir: Path, repeats: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, req in REQUESTS.items():
        lib = Library.open(lib_dir, bench_model(512))  # a fresh open: nothing kept from the request before
        try:
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                found = lib.find(req)
                times.append(time.perf_counter() - t)
            first, rest = times[0], times[1:]
            out[name] = {"first_ms": round(first * 1000, 2), "then": summary_ms(rest), "matches": found.matches}
            then = out[name]["then"]
            row = [name, out[name]["first_ms"], then["p50_ms"], then["p95_ms"]]
            print(table(["browse", "first ms", "then p50", "then p95"], [row]))
        finally:
            lib.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = arg_parser(__doc__)
    ap.add_argument("-n", "--photos", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=30)
    add_output_args(ap, "browse_scale")
    args = ap.parse_args(argv)
    info = begin()
    lib_dir = args.scratch / f"browse-{args.photos}"
    fields: dict[str, Any] = {"photos": args.photos}
    if not (lib_dir / "catalog.sqlite3").exists():
        lib_dir.mkdir(parents=True, exist_ok=True)
        fields["make_s"] = round(make(lib_dir, args.photos), 1)
    fields["browse"] = measure(lib_dir, args.repeats)
    finish("browse_scale", info, fields, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
