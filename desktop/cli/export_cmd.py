"""``reframe export-onnx``: write a model's ONNX pair (image and text towers + card) into the library."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from desktop.errors import UsageError

EXAMPLES = """examples:
  reframe export-onnx --model ViT-B-32/laion2b_s34b_b79k
  reframe export-onnx --model ViT-B-32/laion2b_s34b_b79k --weights open_clip_pytorch_model.bin --precision int8
  reframe export-onnx --model shapes-tiny --out /tmp/shapes-onnx --json
"""


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser(
        "export-onnx",
        help="export a model to ONNX for the torch-free backend (needs the torch extra)",
        description="Export the model's image and text towers to ONNX, check them against torch (cosine), and "
        "write them with a card (backbone, opset, precision, sha256) into <library>/models/<model>/onnx-<precision>/, "
        "where searching and indexing find them.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", metavar="DIR", help="write here instead of the library's models/ folder")
    p.add_argument("--json", action="store_true", help="print the card as JSON")
    common(p)
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.models.backend import check_precision, require_torch
    from desktop.models.loader import export_to_library
    from desktop.models.registry import DEFAULT_MODEL, get_spec
    from desktop.paths import LibraryPaths, resolve_library_dir

    require_torch("reframe export-onnx")
    if args.backend == "onnx":
        raise UsageError("export-onnx runs the model in torch to export it; leave out --backend onnx.")
    spec = get_spec(args.model or DEFAULT_MODEL)
    if spec.source == "test":
        raise UsageError(f"{spec.name} is a test encoder with nothing to export.")
    paths = LibraryPaths(resolve_library_dir(args.library)).ensure()
    weights = Path(args.weights).expanduser().resolve() if args.weights else None
    if weights is not None and not weights.is_file():
        raise UsageError(f"--weights {weights}: no such file.")
    precision = check_precision(args.precision)
    dest = Path(args.out).expanduser().resolve() if args.out else None
    pair = export_to_library(spec, paths, weights, precision, dest=dest)
    if args.json:
        print(json.dumps({"folder": str(pair.folder), **pair.card}, indent=2))
    else:
        check = pair.card["check_vs_torch"]
        print(
            f"wrote {pair.folder} ({precision}, opset {pair.card['opset']}; cosine to torch: "
            f"image {check['image_cosine_min']:.6f}, text {check['text_cosine_min']:.6f})"
        )
    return 0
