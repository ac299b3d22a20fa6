"""Text and composed retrieval of the bundled shapes-tiny model and its Combiner, on a fresh gallery.

    python benchmarks/shapes_retrieval.py [--queries 600] [--combiner FILE]

Text search: precision@10 per query kind (a hit is an image that satisfies the query; for kinds with fewer
than 10 relevant images the denominator is their count). Composed search: Recall@1/5/10 for image only,
text only, normalised sum and the Combiner, overall and per edit, on a gallery built with a seed never used
in training, with hard distractors, the reference excluded. Writes benchmarks/results/shapes_retrieval.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from desktop.compose.inference import load_query_combiner
from desktop.models.loader import load_encoder
from desktop.paths import RESOURCES, LibraryPaths
from desktop.shapes.composed import BENCH_SEED, build_benchmark, evaluate_composed, evaluate_text

OUT = Path(__file__).resolve().parent / "results" / "shapes_retrieval.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--combiner", type=Path, default=RESOURCES / "models" / "shapes-tiny" / "combiner.safetensors")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    import tempfile

    import torch

    with tempfile.TemporaryDirectory() as tmp:
        encoder = load_encoder("shapes-tiny", LibraryPaths(Path(tmp)))
    combiner = load_query_combiner(args.combiner) if args.combiner.is_file() else None
    t0 = time.time()
    text = evaluate_text(encoder)
    composed = evaluate_composed(encoder, combiner, build_benchmark(args.queries))
    report = {
        "model": "shapes-tiny",
        "combiner": str(args.combiner.relative_to(RESOURCES.parent)) if combiner is not None else None,
        "bench_seed": BENCH_SEED,
        "seconds": round(time.time() - t0, 1),
        "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version()},
        "date": time.strftime("%Y-%m-%d"),
        "text": text,
        "composed": composed,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    print("| text query kind | P@10 | chance |\n|---|---|---|")
    for kind, r in text.items():
        print(f"| {kind} | {r['P@10']:.3f} | {r['chance']:.3f} |")
    edits = [k for k in next(iter(composed["methods"].values())) if k != "overall"]
    print(f"\n{composed['queries']} composed queries, gallery {composed['gallery']} images\n")
    print("| method | R@1 | R@5 | R@10 | " + " | ".join(f"R@1 {e}" for e in edits) + " |")
    print("|---" * (4 + len(edits)) + "|")
    for name, entry in composed["methods"].items():
        o = entry["overall"]
        per = " | ".join(f"{entry[e]['R@1']:.2f}" for e in edits)
        print(f"| {name} | {o['R@1']:.3f} | {o['R@5']:.3f} | {o['R@10']:.3f} | {per} |")


if __name__ == "__main__":
    main()
