"""``reframe train`` (shapes-tiny), ``reframe train-combiner`` and ``reframe eval``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from desktop.cli.index_cmd import open_library
from desktop.errors import UsageError
from desktop.paths import RESOURCES, safe_name

#: Defaults of ``train-combiner``: image features (shapes, CIRR) and captions (``--text-only``; its epochs
#: are TextOnlyConfig's: 30, where the text-only Combiner on shapes-tiny stops improving).
IMAGE_REFS, IMAGE_EPOCHS = 15_000, 40
TEXT_REFS = 5_000
#: Share of the shapes Combiner's training edits left in the world's own phrasings (the rest: the wider
#: training phrasebook).
WORLD_SHARE = 0.55


def register(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:
    p = sub.add_parser("train", help="train the shapes-tiny CLIP on the synthetic shapes world (seeded)")
    p.add_argument("--out", metavar="DIR", help="where to write it (default: the library's models/shapes-tiny)")
    p.add_argument("--steps", type=int, default=None, help="default: 1500; --text-tower: 600")
    p.add_argument("--pool", type=int, default=50_000, help="rendered scenes to train on")
    p.add_argument("--seed", type=int, default=None, help="default: 1234; --text-tower: 77")
    p.add_argument(
        "--text-tower",
        action="store_true",
        help="only teach a trained model's text tower the wider phrasebook (the image tower stays bit for bit)",
    )
    p.add_argument(
        "--base",
        metavar="DIR",
        help="--text-tower: the model to start from, as `reframe train` writes it (default: the bundled one)",
    )
    common(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("train-combiner", help="train a model's Combiner on shapes triplets or a CIRR-format set")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--shapes", action="store_true", help="generated shapes-world triplets (default)")
    src.add_argument("--cirr-annotations", metavar="FILE", help="CIRR captions file (cap.rc2.<split>.json)")
    src.add_argument("--text-only", action="store_true", help="from generated caption triplets alone (no images)")
    p.add_argument(
        "--bridge",
        choices=("none", "noise", "meanshift", "coral"),
        help="text-only: how captions stand in for photos (default: coral if photos are indexed, else noise)",
    )
    p.add_argument("--cirr-splits", metavar="FILE", help="CIRR image split file (split.rc2.<split>.json)")
    p.add_argument("--cirr-images", metavar="DIR", help="folder with the CIRR images")
    p.add_argument("--refs", type=int, help="references, 4 edits each (default: 15000; text-only 5000)")
    p.add_argument("--epochs", type=int, default=None, help="default: 40")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument(
        "--lr-schedule",
        choices=("constant", "cosine"),
        default=None,
        help="constant rate, or a half cosine down to near zero at the last epoch (default: cosine for the "
        "shapes world, constant for CIRR, where it has not been measured)",
    )
    p.add_argument("--proj-dim", type=int, default=None)
    p.add_argument("--hidden-dim", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--phrasings",
        choices=("wide", "world"),
        default="wide",
        help="shapes: edits in the training phrasebook's many wordings (default) or only the world's own",
    )
    p.add_argument(
        "--sum-weight",
        type=float,
        default=None,
        help="shapes: share of the image+text sum blended into every query (default 0: off, measured no better)",
    )
    p.add_argument("--out", metavar="FILE", help="weights file (default: <library>/combiners/<model>/...)")
    common(p)
    p.set_defaults(func=cmd_train_combiner)

    p = sub.add_parser("eval", help="measure retrieval: CIRR metrics, or the shapes benchmarks")
    p.add_argument("suite", choices=("cirr", "shapes"))
    p.add_argument("--annotations", metavar="FILE", help="cirr: captions file")
    p.add_argument("--splits", metavar="FILE", help="cirr: image split file")
    p.add_argument("--images", metavar="DIR", help="cirr: image folder")
    p.add_argument("--compose", choices=("auto", "combiner", "sum"), default="auto")
    p.add_argument("--queries", type=int, default=600, help="shapes: composed queries")
    p.add_argument("--json", action="store_true")
    common(p)
    p.set_defaults(func=cmd_eval)


def cmd_train(args: argparse.Namespace) -> int:
    from desktop.models.backend import require_torch

    require_torch("reframe train")
    from desktop.paths import LibraryPaths, resolve_library_dir
    from desktop.shapes.train_clip import TrainConfig, train

    out = Path(args.out) if args.out else LibraryPaths(resolve_library_dir(args.library)).models / "shapes-tiny"
    from tqdm import tqdm

    if args.text_tower:
        from desktop.shapes.train_text import TextTrainConfig, train_text_tower

        text_cfg = TextTrainConfig()
        text_cfg.steps = args.steps or text_cfg.steps
        text_cfg.seed = text_cfg.seed if args.seed is None else args.seed
        total = text_cfg.steps
    else:
        cfg = TrainConfig(seed=1234 if args.seed is None else args.seed, steps=args.steps or 1500, pool=args.pool)
        total = cfg.steps
    bar = tqdm(total=total, unit="step", desc="training", file=sys.stderr, disable=not sys.stderr.isatty())

    def progress(step: int, total: int, loss: float) -> None:
        bar.update(step - bar.n)
        bar.set_postfix(loss=f"{loss:.3f}")

    if args.text_tower:
        base = Path(args.base) if args.base else BUNDLED / "shapes-tiny"
        if not (base / "model.safetensors").is_file():
            raise UsageError(f"--base {base}: no model.safetensors there.", hint="Give a folder `reframe train` wrote.")
        card = train_text_tower(base, out, text_cfg, progress=progress)
    else:
        card = train(out, cfg, progress=progress)
    bar.close()
    from desktop.models.loader import export_folder_model

    pair = export_folder_model("shapes-tiny", out)
    loss, seconds = card["final_loss"], card["train_seconds"]
    print(f"wrote {out} (loss {loss:.3f}, {seconds:.0f} s training; ONNX in {pair.folder.name})")
    return 0


def _combiner_out(args: argparse.Namespace, lib) -> Path:
    if args.out:
        return Path(args.out)
    return lib.paths.combiners / safe_name(lib.model_name) / "combiner.safetensors"


def cmd_train_combiner(args: argparse.Namespace) -> int:
    from desktop.models.backend import require_torch

    require_torch("Training a Combiner")
    if args.text_only:
        return _train_text_only(args)
    args.refs = args.refs or IMAGE_REFS
    args.epochs = args.epochs or IMAGE_EPOCHS
    from desktop.compose.inference import DEFAULT_SUM_WEIGHT, Fusion
    from desktop.compose.train import DEFAULT_LR, CombinerConfig, kept_metrics, train_combiner
    from desktop.compose.weights import save_combiner

    with open_library(args) as lib:
        encoder = lib.load_model()
        t0 = time.time()
        if args.cirr_annotations:
            ref, mod, tgt, val, recipe = _cirr_features(args, encoder)
            group = 1
        else:
            ref, mod, tgt, val, recipe = _shapes_features(args, encoder)
            group = 4
        print(f"features for {len(ref)} triplets in {time.time() - t0:.0f} s", file=sys.stderr)
        out = _combiner_out(args, lib)
        dim = ref.shape[1]
        proj = args.proj_dim or 2 * dim
        hidden = args.hidden_dim or 4 * dim
        lr = args.lr or (1e-3 if not args.cirr_annotations else DEFAULT_LR)
        args.lr_schedule = args.lr_schedule or ("constant" if args.cirr_annotations else "cosine")

        def progress(epoch: int, step: int, loss: float, metrics: dict | None) -> None:
            if metrics is not None:
                shown = {k: round(v, 3) for k, v in metrics.items() if k in ("loss", "recall@1", "recall@10")}
                print(f"epoch {epoch}: {shown}", file=sys.stderr)

        t1 = time.time()
        config = CombinerConfig(
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=lr,
            proj_dim=proj,
            hidden_dim=hidden,
            seed=args.seed,
            group_size=group,
            reference_negatives=True,
            lr_schedule=args.lr_schedule,
        )
        comb, history = train_combiner(
            ref,
            mod,
            tgt,
            config,
            val=val,
            device=encoder.device if encoder.device in ("cuda", "mps") else "cpu",
            progress=progress,
            checkpoint_path=out.with_suffix(".ckpt"),
        )
        card = {
            "backbone": lib.model_name,
            "recipe": recipe,
            "data_seed": args.seed,
            "epochs": args.epochs,
            "lr": lr,
            "lr_schedule": args.lr_schedule,
            "train_seconds": round(time.time() - t1, 1),
            "metrics": kept_metrics(history),
        }
        if not args.cirr_annotations:
            weight = DEFAULT_SUM_WEIGHT if args.sum_weight is None else args.sum_weight
            if not 0.0 <= weight <= 1.0:
                raise UsageError(f"--sum-weight must be between 0 and 1, got {weight}")
            if weight > 0:
                card["fusion"] = Fusion(weight).card()
        save_combiner(out, comb.cpu(), card)
        out.with_suffix(".ckpt").unlink(missing_ok=True)
        lib.reload_combiner()
        print(f"wrote {out}")
    return 0


def _train_text_only(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from desktop.compose.textonly import TextOnlyConfig, train_for_library

    bar = tqdm(unit="text", desc="encoding captions", file=sys.stderr, disable=not sys.stderr.isatty())

    def progress(stage: str, done: int, total: int, metrics: dict | None) -> None:
        if stage == "encoding":
            bar.total = total
            bar.update(done - bar.n)
        elif metrics is not None:
            bar.close()
            shown = {k: round(v, 3) for k, v in metrics.items() if k in ("loss", "recall@1", "recall@10")}
            print(f"epoch {done}/{total}: {shown}", file=sys.stderr)

    cfg = TextOnlyConfig(
        epochs=args.epochs or TextOnlyConfig.epochs, batch_size=args.batch_size, lr=args.lr or 1e-3, seed=args.seed,
        proj_dim=args.proj_dim, hidden_dim=args.hidden_dim,
    )  # fmt: skip
    with open_library(args) as lib:
        refs = args.refs or TEXT_REFS
        path = train_for_library(lib, bridge=args.bridge, refs=refs, config=cfg, out=args.out, progress=progress)
    bar.close()
    print(f"wrote {path}")
    return 0


def _shapes_features(args: argparse.Namespace, encoder):
    from desktop.shapes.composed import TRAIN_SEED, VAL_SEED, make_triplets, triplet_features
    from desktop.shapes.phrasings import TRAIN

    seed = TRAIN_SEED + args.seed
    book = TRAIN if args.phrasings == "wide" else None
    train = make_triplets(args.refs, seed, phrasebook=book, world_share=WORLD_SHARE)
    ref, mod, tgt = triplet_features(encoder, train, seed)
    val_t = make_triplets(max(100, args.refs // 20), VAL_SEED, per_ref=1, phrasebook=book, world_share=WORLD_SHARE)
    val = triplet_features(encoder, val_t, VAL_SEED)
    recipe = f"shapes-world triplets: {args.refs} references x 4 edits (seed {seed}), image features"
    if book is not None:
        recipe += f"; {1 - WORLD_SHARE:.0%} of the edits reworded by the training phrasebook (shapes.phrasings)"
    return ref, mod, tgt, val, recipe


def _cirr_features(args: argparse.Namespace, encoder):
    from PIL import Image

    from desktop.compose.cirr import load_cirr
    from desktop.compose.features import encode_triplets

    if not (args.cirr_splits and args.cirr_images):
        raise UsageError("--cirr-annotations needs --cirr-splits and --cirr-images")
    cs = load_cirr(Path(args.cirr_annotations), Path(args.cirr_splits), Path(args.cirr_images))
    usable = [t for t in cs.triplets if t.reference in cs.images and t.target in cs.images]
    if len(usable) < 2:
        raise UsageError(f"only {len(usable)} triplets have their images; need at least 2 to train")

    def loader(name: str) -> Image.Image:
        return Image.open(cs.images[name]).convert("RGB")

    items = [(t.reference, t.caption, t.target) for t in usable if t.reference is not None and t.target is not None]
    ref, mod, tgt = encode_triplets(encoder, items, loader)
    return ref, mod, tgt, None, f"CIRR-format triplets from {args.cirr_annotations} ({len(items)} with images)"


def cmd_eval(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        encoder = lib.load_model()
        combiner = None if args.compose == "sum" else lib.combiner()
        if args.suite == "cirr":
            from desktop.compose.cirr import evaluate_cirr, load_cirr

            if not (args.annotations and args.splits and args.images):
                raise UsageError("eval cirr needs --annotations FILE --splits FILE --images DIR")
            cs = load_cirr(Path(args.annotations), Path(args.splits), Path(args.images))
            mode: Literal["combiner", "sum"] = "combiner" if combiner is not None else "sum"
            report = evaluate_cirr(encoder, combiner, mode, cs)
            report["compose"] = mode
        else:
            from desktop.shapes.composed import build_benchmark, evaluate_composed, evaluate_text

            report = {
                "text": evaluate_text(encoder),
                "composed": evaluate_composed(encoder, combiner, build_benchmark(args.queries), held_out=True),
            }
        report["model"] = lib.model_name
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            _print_report(report)
    return 0


def _print_report(report: dict) -> None:
    if "composed" not in report:
        for k, v in report.items():
            print(f"{k:28s} {v:.3f}" if isinstance(v, float) else f"{k:28s} {v}")
        return
    print("text search, precision@10:")
    for kind, r in report["text"].items():
        print(f"  {kind:28s} {r['P@10']:.3f}   (chance {r['chance']:.3f})")
    comp = report["composed"]
    print(f"composed search, {comp['queries']} queries, gallery {comp['gallery']}:")
    sections = [("world phrasings", comp["methods"])]
    if "held_out" in comp:
        sections.append(("held-out phrasings (never trained on)", comp["held_out"]["methods"]))
    if "fresh" in comp:
        sections.append(("second held-out phrasebook (fresh)", comp["fresh"]["methods"]))
    for title, methods in sections:
        print(f" {title}:")
        for name, entry in methods.items():
            o = entry["overall"]
            per = "  ".join(f"{k} {entry[k]['R@1']:.2f}" for k in entry if k != "overall")
            print(f"  {name:9s} R@1 {o['R@1']:.3f}  R@5 {o['R@5']:.3f}  R@10 {o['R@10']:.3f}   R@1 by edit: {per}")


BUNDLED = RESOURCES / "models"
