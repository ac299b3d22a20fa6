"""Honest result counts on shapes-tiny: precision and recall of the photos above the cut.

For each gallery size (fresh scenes, seeds never used in training) and each text-query kind, every query's
full ranking goes through ``desktop.search.cut.cut_ranked`` (what ``reframe search`` uses) and the photos
before the cut are compared with those that truly satisfy the query. colour+shape uses all 24 colour x shape
queries; the other kinds 40 random queries each (described from a random gallery scene). Reported: macro
precision and recall (mean over queries) and the worst query's. Pictures are rendered in memory with the
training renderer's style variation, not written to files.

Run: ``python -m benchmarks.result_counts`` (``--help``). Writes ``results/result_counts.json``.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import add_output_args, arg_parser, begin, finish, table
from desktop.models.encoder import normalize
from desktop.models.loader import load_encoder
from desktop.paths import LibraryPaths
from desktop.search.cut import FIRST_WINDOW, RULE, cut_ranked
from desktop.shapes.composed import encode_pixels
from desktop.shapes.dataset import render_set, satisfied
from desktop.shapes.world import COLOURS, SHAPES, Query, describe, random_scene

KINDS = ("colour+shape", "colour+shape+background", "shape+background", "count+background", "shape")


def main(argv: list[str] | None = None) -> int:
    ap = arg_parser(__doc__)
    ap.add_argument("--sizes", default="400,3000")
    ap.add_argument("--seed", type=int, default=91003)
    add_output_args(ap, "result_counts")
    args = ap.parse_args(argv)
    info = begin(torch_info=True)
    with tempfile.TemporaryDirectory() as tmp:
        enc = load_encoder("shapes-tiny", LibraryPaths(Path(tmp)))
    rows: list[list[Any]] = []
    results: list[dict[str, Any]] = []
    for offset, n in enumerate(int(x) for x in args.sizes.split(",")):
        seed = args.seed + offset
        rng = random.Random(seed)
        scenes = [random_scene(rng) for _ in range(n)]
        rs = render_set(seed, 0, enc.preprocess.size, scenes=scenes)
        gallery = normalize(encode_pixels(enc, rs.pixels))
        for kind in KINDS:
            if kind == "colour+shape":
                qs = [Query(kind, f"a {c} {s}", shape=s, colour=c) for c in COLOURS for s in SHAPES]
            else:
                qs = [describe(scenes[rng.randrange(n)], kind, rng) for _ in range(40)]
            scores = normalize(enc.encode_texts([q.text for q in qs])) @ gallery.T
            sat = satisfied(qs, rs.codes)
            precision, recall, counted = [], [], []
            for i in range(len(qs)):
                order = np.argsort(-scores[i])
                full = [(int(j), float(scores[i, j])) for j in order]
                ranked, m = cut_ranked(full[:10], n, lambda w, full=full: full[:w])
                got = {j for j, _ in ranked[:m]}
                truth = set(np.flatnonzero(sat[i]).tolist())
                precision.append(len(got & truth) / max(1, len(got)))
                recall.append(len(got & truth) / max(1, len(truth)))
                counted.append((m, len(truth)))
            r = {
                "gallery": n,
                "kind": kind,
                "queries": len(qs),
                "precision": round(float(np.mean(precision)), 4),
                "recall": round(float(np.mean(recall)), 4),
                "worst_precision": round(float(np.min(precision)), 3),
                "worst_recall": round(float(np.min(recall)), 3),
                "mean_matches_reported": round(float(np.mean([c[0] for c in counted])), 1),
                "mean_matches_true": round(float(np.mean([c[1] for c in counted])), 1),
            }
            results.append(r)
            rows.append([n, kind, r["precision"], r["recall"], r["worst_precision"], r["worst_recall"],
                         r["mean_matches_reported"], r["mean_matches_true"]])  # fmt: skip
            print(table(["gallery", "kind", "P", "R", "worst P", "worst R", "reported", "true"], rows[-1:]), flush=True)
    print()
    print(table(["gallery", "kind", "P", "R", "worst P", "worst R", "reported", "true"], rows))
    finish("result_counts", info, {"model": "shapes-tiny", "rule": RULE, "first_window": FIRST_WINDOW,
                                    "results": results}, args)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
