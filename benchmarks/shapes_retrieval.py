"""Text and composed retrieval of the bundled shapes-tiny model and its Combiner, on a fresh gallery.

    python benchmarks/shapes_retrieval.py [--queries 600] [--model-dir DIR] [--combiner FILE]
                                          [--sum-weight W] [--out FILE]

Text search: precision@10 per query kind (a hit is an image that satisfies the query; for kinds with fewer
than 10 relevant images the denominator is their count). Composed search: Recall@1/5/10 for image only,
text only, normalised sum, the Combiner's network and the fused query (the Combiner blended with the sum,
as its card says, or with ``--sum-weight``), overall and per edit, on a gallery built with a seed never
used in training, with hard distractors, the reference excluded; once with the world's phrasings
(shapes-world.md) and once with the held-out phrasebook's (:data:`desktop.shapes.phrasings.HELD_OUT`,
never in any training set), and once with the second held-out phrasebook's (``FRESH``).
Writes benchmarks/results/shapes_retrieval.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from desktop.compose.inference import Fusion, load_query_combiner
from desktop.paths import RESOURCES
from desktop.shapes.composed import BENCH_SEED, HELD_OUT_SEED, build_benchmark, evaluate_composed, evaluate_text

OUT = Path(__file__).resolve().parent / "results" / "shapes_retrieval.json"
BUNDLED = RESOURCES / "models" / "shapes-tiny"


def load_shapes_encoder(model_dir: Path):
    """The bundled shapes-tiny (the app's default backend), or the weights of another folder (torch)."""
    import tempfile

    from desktop.models.loader import load_encoder
    from desktop.paths import LibraryPaths

    with tempfile.TemporaryDirectory() as tmp:
        if model_dir.resolve() == BUNDLED.resolve():
            return load_encoder("shapes-tiny", LibraryPaths(Path(tmp)))
        weights = model_dir / "model.safetensors"
        return load_encoder("shapes-tiny", LibraryPaths(Path(tmp)), weights=weights, backend="torch")


def table(methods: dict) -> str:
    edits = [k for k in next(iter(methods.values())) if k != "overall"]
    lines = ["| method | R@1 | R@5 | R@10 | " + " | ".join(f"R@1 {e}" for e in edits) + " |"]
    lines.append("|---" * (4 + len(edits)) + "|")
    for name, entry in methods.items():
        o = entry["overall"]
        per = " | ".join(f"{entry[e]['R@1']:.2f}" for e in edits)
        lines.append(f"| {name} | {o['R@1']:.3f} | {o['R@5']:.3f} | {o['R@10']:.3f} | {per} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--model-dir", type=Path, default=BUNDLED)
    ap.add_argument("--combiner", type=Path, default=BUNDLED / "combiner.safetensors")
    ap.add_argument("--sum-weight", type=float, default=None, help="fuse with this share of the sum")
    ap.add_argument("--no-text", action="store_true", help="skip the text-search part")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    import torch

    encoder = load_shapes_encoder(args.model_dir)
    combiner = load_query_combiner(args.combiner) if args.combiner.is_file() else None
    fusion = Fusion(args.sum_weight) if args.sum_weight is not None else None
    t0 = time.time()
    text = {} if args.no_text else evaluate_text(encoder)
    composed = evaluate_composed(encoder, combiner, build_benchmark(args.queries), held_out=True, fusion=fusion)
    used = fusion or (combiner.fusion if combiner is not None else None)
    report = {
        "model": "shapes-tiny",
        "model_dir": str(args.model_dir),
        "combiner": str(args.combiner) if combiner is not None else None,
        "fusion": used.card() if used is not None else None,
        "bench_seed": BENCH_SEED,
        "held_out_seed": HELD_OUT_SEED,
        "seconds": round(time.time() - t0, 1),
        "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version()},
        "date": time.strftime("%Y-%m-%d"),
        "text": text,
        "composed": composed,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    if text:
        print("| text query kind | P@10 | chance |\n|---|---|---|")
        for kind, r in text.items():
            print(f"| {kind} | {r['P@10']:.3f} | {r['chance']:.3f} |")
    print(f"\n{composed['queries']} composed queries, gallery {composed['gallery']} images")
    print("\nworld phrasings (shapes-world.md)\n")
    print(table(composed["methods"]))
    print("\nheld-out phrasings (never trained on)\n")
    print(table(composed["held_out"]["methods"]))
    print("\nsecond held-out phrasebook (fresh: written 2026-12-01, never tuned to)\n")
    print(table(composed["fresh"]["methods"]))


if __name__ == "__main__":
    main()
