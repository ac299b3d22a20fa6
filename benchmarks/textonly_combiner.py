"""Text-only Combiners: how well they do on photos, and what a training run costs on a CPU.

Part ``shapes``: on shapes-tiny, the composed benchmark (``evaluate_composed`` on ``build_benchmark``, image
references and an image gallery) for the sum baseline, the bundled image-trained Combiner, and Combiners
trained from shapes *captions* alone with each bridge (none, noise, mean shift, mean shift + noise).
Overall and per edit kind, Recall@1/5/10.

Part ``vit``: the cost of a text-only run for ViT-B-32 on this CPU, with random-init weights (no network
here; a random model costs the same to run): phrasebook triplets, caption encoding through the text
encoder (rate measured on a sample and extrapolated to all distinct captions unless ``--vit-encode-all``),
then Combiner training on all triplets. Time and memory (peak RSS, tracemalloc peak) per stage. The part
runs in its own process so that its memory is its own.

Run: ``python -m benchmarks.textonly_combiner`` (``--help`` for sizes). Writes
``benchmarks/results/textonly_combiner.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make ``benchmarks`` and ``desktop`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REPO, RESULTS, SCRATCH, cpu_note, machine_info, table, write_result

NAME = "textonly_combiner"
SHAPES_COMBINER = REPO / "resources" / "models" / "shapes-tiny" / "combiner.safetensors"


# ---------------------------------------------------------------------------------------------- shapes


def shapes_part(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from desktop.compose.textonly import TextOnlyConfig, caption_source, image_stats_from_shapes, train_text_only
    from desktop.compose.weights import load_combiner, save_combiner
    from desktop.models.loader import load_encoder
    from desktop.paths import LibraryPaths
    from desktop.shapes.composed import build_benchmark, evaluate_composed

    torch.set_num_threads(args.threads)
    enc = load_encoder("shapes-tiny", LibraryPaths(SCRATCH / "textonly-lib"), device="cpu")
    bench = build_benchmark(args.queries)
    methods: dict[str, Any] = {}
    notes: dict[str, Any] = {}

    t = time.perf_counter()
    image_trained = None
    if SHAPES_COMBINER.is_file():
        image_trained, card = load_combiner(SHAPES_COMBINER)
        notes["image_trained_card"] = {k: card.get(k) for k in ("recipe", "epochs", "data_seed", "created")}
    report = evaluate_composed(enc, image_trained, bench)
    methods["sum"] = report["methods"]["sum"]
    if image_trained is not None:
        methods["image-trained"] = report["methods"]["combiner"]
    notes["eval_seconds"] = round(time.perf_counter() - t, 1)
    print(f"sum R@1 {methods['sum']['overall']['R@1']:.3f}", flush=True)

    image_stats = image_stats_from_shapes(enc)
    train, val, source = caption_source("shapes-tiny", args.refs, 0)
    config = TextOnlyConfig(epochs=args.epochs, lr=args.lr)
    runs: dict[str, Any] = {}
    for label, bridge in _bridges(args, image_stats):
        t = time.perf_counter()
        combiner, card = train_text_only(enc, train, bridge, config=config, val=val)
        result = evaluate_composed(enc, combiner, bench)["methods"]["combiner"]
        methods[f"text-only {label}"] = result
        card["metrics"]["shapes_composed"] = result
        card["source"] = source
        save_combiner(SCRATCH / "textonly" / label.replace(" ", "_") / "combiner.safetensors", combiner, card)
        runs[label] = {
            "bridge": bridge.describe(),
            "encode_seconds": card["encode_seconds"],
            "train_seconds": card["train_seconds"],
            "total_seconds": round(time.perf_counter() - t, 1),
            "caption_val": card["metrics"]["caption_val"],
        }
        print(f"text-only {label}: R@1 {result['overall']['R@1']:.3f} ({runs[label]['total_seconds']} s)", flush=True)

    return {
        "model": "shapes-tiny",
        "queries": report["queries"],
        "gallery": report["gallery"],
        "text_only_data": {"source": source, "triplets": len(train), "val_triplets": len(val)},
        "config": {"epochs": config.epochs, "lr": config.lr, "batch_size": config.batch_size, "seed": config.seed},
        "methods": methods,
        "runs": runs,
        "targets": _targets(methods),
        **notes,
    }


def _bridges(args: argparse.Namespace, image_stats: Any) -> list[tuple[str, Any]]:
    """``kind[:noise]`` items of ``--bridges`` -> (label, Bridge); no noise given: the bridge's default."""
    from desktop.compose.textonly import Bridge

    out = []
    for item in args.bridges.split(","):
        kind, _, sigma = item.strip().partition(":")
        needs_images = kind in ("meanshift", "coral")
        bridge = Bridge(kind, noise=float(sigma) if sigma else None, image=image_stats if needs_images else None)
        out.append((kind if not bridge.sigma else f"{kind} σ={bridge.sigma:g}", bridge))
    return out


def _targets(methods: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets: within 10 points R@1 of the image-trained Combiner, and at least 2x the sum."""
    summed = methods["sum"]["overall"]["R@1"]
    image = methods.get("image-trained", {}).get("overall", {}).get("R@1")
    out: dict[str, Any] = {}
    for name, m in methods.items():
        if not name.startswith("text-only"):
            continue
        r1 = m["overall"]["R@1"]
        out[name] = {
            "R@1": r1,
            "x_sum": round(r1 / summed, 2) if summed else None,
            "points_below_image_trained": round(100 * (image - r1), 1) if image is not None else None,
            "met": bool(r1 >= 2 * summed and (image is None or image - r1 <= 0.10)),
        }
    return out


# ------------------------------------------------------------------------------------------------ vit


def vit_part(args: argparse.Namespace) -> dict[str, Any]:
    import open_clip
    import torch

    from desktop.compose.phrasebook import photo_triplets
    from desktop.compose.textonly import Bridge, encode_captions, triplet_arrays
    from desktop.compose.train import CombinerConfig, train_combiner
    from desktop.models.clip_encoder import OpenClipEncoder
    from desktop.models.transform import Preprocess

    torch.set_num_threads(args.threads)
    stages: dict[str, Any] = {}
    with _stage(stages, "create_model"):
        model = open_clip.create_model("ViT-B-32")
        enc = OpenClipEncoder(
            model, open_clip.get_tokenizer("ViT-B-32"), name="ViT-B-32 (random init)", dim=512, device="cpu",
            preprocess=Preprocess(224), batch_size=args.vit_batch,
        )  # fmt: skip
    with _stage(stages, "generate_triplets"):
        triplets = photo_triplets(args.vit_refs, seed=0)
        distinct = list(dict.fromkeys(s for t in triplets for s in (t.reference, t.modification, t.target)))
    n_encode = len(distinct) if args.vit_encode_all else min(args.vit_encode_sample, len(distinct))
    with _stage(stages, "encode_captions"):
        sample = encode_captions(enc, distinct[:n_encode], batch_size=args.vit_batch)
    rate = n_encode / stages["encode_captions"]["seconds"]

    # Training cost does not depend on the feature values: captions beyond the encoded sample reuse
    # its features (cyclically) so that the run trains on every triplet.
    feats = {text: sample[distinct[i % n_encode]] for i, text in enumerate(distinct)}
    ref, mod, tgt = triplet_arrays(triplets, feats)
    ref, tgt = Bridge("noise").apply(ref, tgt)
    del feats
    with _stage(stages, "train_combiner"):
        config = CombinerConfig(
            epochs=args.vit_epochs, batch_size=512, lr=1e-3, proj_dim=1024, hidden_dim=2048, group_size=4,
            keep_best=False,
        )  # fmt: skip
        _, history = train_combiner(ref, mod, tgt, config)
    return {
        "model": "ViT-B-32, random init (open_clip.create_model), OpenClipEncoder on CPU",
        "threads": torch.get_num_threads(),
        "triplets": len(triplets),
        "distinct_texts": len(distinct),
        "encoded_texts": n_encode,
        "encode_rate_texts_per_s": round(rate, 1),
        "encode_seconds_all_distinct": round(len(distinct) / rate, 1),
        "encode_extrapolated": n_encode < len(distinct),
        "train_epochs": args.vit_epochs,
        "train_seconds_per_epoch": round(stages["train_combiner"]["seconds"] / args.vit_epochs, 1),
        "combiner": {"dim": 512, "proj_dim": 1024, "hidden_dim": 2048},
        "epoch_seconds": [h["seconds"] for h in history],
        "stages": stages,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        # OpenClipEncoder drops the padding after a batch's longest caption (same features): before it
        # did, this machine encoded 15.4 captions/s (2,087 s for all distinct captions).
        "encode_rate_before_padding_trim": 15.4,
    }


class _stage:
    """Time a block, and record the process's peak RSS after it and the tracemalloc peak within it."""

    def __init__(self, into: dict[str, Any], name: str) -> None:
        self.into, self.name = into, name

    def __enter__(self) -> None:
        tracemalloc.start()
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        seconds = time.perf_counter() - self.t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.into[self.name] = {
            "seconds": round(seconds, 2),
            "tracemalloc_peak_mb": round(peak / 2**20, 1),
            "peak_rss_mb_after": round(_peak_rss_mb(), 1),
        }
        print(f"{self.name}: {self.into[self.name]}", flush=True)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# ----------------------------------------------------------------------------------------------- main


def _print_shapes(res: dict[str, Any]) -> None:
    kinds = [k for k in next(iter(res["methods"].values())) if k != "overall"]
    rows = []
    for name, m in res["methods"].items():
        o = m["overall"]
        rows.append([name, o["R@1"], o["R@5"], o["R@10"], *(m[k]["R@1"] for k in kinds)])
    print(table(["method", "R@1", "R@5", "R@10", *(f"{k} R@1" for k in kinds)], rows))
    for name, t in res["targets"].items():
        print(f"{name}: {t}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=("all", "shapes", "vit"), default="all")
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--refs", type=int, default=5000, help="shapes: reference captions (4 edits each)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bridges", default="none,noise,meanshift,coral", help="kind[:noise],...")
    ap.add_argument("--vit-refs", type=int, default=5000, help="vit: phrasebook references (4 edits each)")
    ap.add_argument("--vit-epochs", type=int, default=3)
    ap.add_argument("--vit-batch", type=int, default=64, help="vit: captions per text-encoder batch")
    ap.add_argument("--vit-encode-sample", type=int, default=1024)
    ap.add_argument("--vit-encode-all", action="store_true", help="encode every distinct caption (slow on CPU)")
    ap.add_argument("--shapes-key", default="shapes", help="where the shapes part goes in the JSON (extra runs)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="results folder (default benchmarks/results)")
    args = ap.parse_args(argv)
    print(cpu_note(), flush=True)
    out_dir = args.out or RESULTS
    path = out_dir / f"{NAME}.json"
    data: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    data["machine"] = machine_info(torch_info=True)
    data["args"] = vars(args) | {"out": str(args.out) if args.out else None}
    if args.part in ("all", "shapes"):
        data[args.shapes_key] = shapes_part(args)
        _print_shapes(data[args.shapes_key])
        write_result(NAME, data, out_dir)
    if args.part == "all":  # a fresh process, so that peak memory is the run's own
        cmd = [sys.executable, "-m", "benchmarks.textonly_combiner", "--part", "vit", *_vit_flags(argv or sys.argv[1:])]
        subprocess.run(cmd, check=True, cwd=Path(__file__).resolve().parent.parent)
        return 0
    if args.part == "vit":
        data = json.loads(path.read_text()) if path.is_file() else data
        data["vit_b_32_cpu"] = vit_part(args)
        print(json.dumps(data["vit_b_32_cpu"], indent=1))
        write_result(NAME, data, out_dir)
    return 0


def _vit_flags(argv: list[str]) -> list[str]:
    """The command-line flags of this run minus ``--part``, for the ``vit`` subprocess."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--part":
            skip = True
        elif not a.startswith("--part="):
            out.append(a)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
