"""Near-duplicate detection on shapes-tiny: pairwise precision and recall on a generated set.

``desktop.shapes.variants.make_duplicate_set`` makes, per base scene, an original JPEG, two copies of random
kinds (resized, recompressed, WebP, lightly cropped, brightened, burst neighbour, byte copy) and a hard negative
(the same render setup with one attribute of the scene changed). The set is indexed with shapes-tiny through
``Library.index`` and ``reframe duplicates``' engine runs on it. A true pair is two photos of the same base
(original or copy); precision and recall are over pairs implied by the reported groups. Seeds differ from the
one the thresholds were calibrated on (31). Also: recall per copy kind, and the share of hard negatives that
ended up in a group.

Run: ``python -m benchmarks.duplicates_quality`` (``--help``). Writes ``results/duplicates_quality.json``.
"""

from __future__ import annotations

import itertools
import shutil
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import add_output_args, arg_parser, begin, finish, table
from desktop.duplicates import DEFAULT_MAX_DISTANCE, DEFAULT_THRESHOLD, find_duplicates
from desktop.library import Library
from desktop.shapes.variants import make_duplicate_set


def pairs_of(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(g, 2)}  # type: ignore[misc]


def main(argv: list[str] | None = None) -> int:
    ap = arg_parser(__doc__)
    ap.add_argument("--bases", type=int, default=150)
    ap.add_argument("--seeds", default="41,42")
    add_output_args(ap, "duplicates_quality")
    args = ap.parse_args(argv)
    info = begin(torch_info=True)
    results: list[dict[str, Any]] = []
    rows: list[list[Any]] = []
    for seed in (int(s) for s in args.seeds.split(",")):
        work = args.scratch / f"dups-{seed}-{args.bases}"
        shutil.rmtree(work, ignore_errors=True)
        made = make_duplicate_set(work / "photos", args.bases, seed)
        with Library.open(work / "lib", "shapes-tiny") as lib:
            lib.add_root(work / "photos")
            lib.index()
            for check in (True, False):
                t0 = time.perf_counter()
                report = find_duplicates(lib, check=check)
                seconds = time.perf_counter() - t0
                groups = [[f.path for f in g] for g in report.groups]
                found = pairs_of(groups)
                by_group: dict[int, list[str]] = {}
                for g in made:
                    by_group.setdefault(g.group, []).append(str(g.path.resolve()))
                truth = pairs_of(list(by_group.values()))
                tp = len(found & truth)
                grouped = {p for g in groups for p in g}
                per_kind = {}
                for g in made:
                    if g.how in ("original", "negative"):
                        continue
                    orig = str(next(x.path for x in made if x.group == g.group and x.how == "original").resolve())
                    per_kind.setdefault(g.how, []).append(tuple(sorted((orig, str(g.path.resolve())))) in found)
                negatives = [str(g.path.resolve()) for g in made if g.how == "negative"]
                r = {
                    "seed": seed,
                    "photos": len(made),
                    "second_check": check,
                    "precision": round(tp / max(1, len(found)), 4),
                    "recall": round(tp / max(1, len(truth)), 4),
                    "true_pairs": len(truth),
                    "reported_pairs": len(found),
                    "hard_negatives_grouped": round(sum(n in grouped for n in negatives) / len(negatives), 4),
                    "recall_by_copy": {k: round(sum(v) / len(v), 3) for k, v in sorted(per_kind.items())},
                    "seconds": round(seconds, 2),
                }
                results.append(r)
                rows.append([seed, len(made), check, r["precision"], r["recall"], r["hard_negatives_grouped"],
                             r["seconds"]])  # fmt: skip
                print(table(["seed", "photos", "check", "P", "R", "negatives grouped", "s"], rows[-1:]), flush=True)
                print("   recall by copy kind:", r["recall_by_copy"], flush=True)
    print()
    print(table(["seed", "photos", "check", "P", "R", "negatives grouped", "s"], rows))
    finish("duplicates_quality", info, {"model": "shapes-tiny", "threshold": DEFAULT_THRESHOLD,
                                        "max_distance": DEFAULT_MAX_DISTANCE, "results": results}, args)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
