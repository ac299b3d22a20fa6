"""``reframe index``, ``reframe status`` and ``reframe models``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from desktop.errors import UsageError


def open_library(args: argparse.Namespace, model: str | None = None):
    from desktop.library import Library

    return Library.open(
        args.library,
        model or args.model,
        weights=Path(args.weights) if getattr(args, "weights", None) else None,
        device=getattr(args, "device", None),
        backend=getattr(args, "backend", None),
        precision=getattr(args, "precision", None),
    )


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser("index", help="add folders and index new or changed images (no folder: rescan all)")
    p.add_argument("folders", nargs="*", metavar="FOLDER")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--workers", type=int, default=2, help="decode threads")
    common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("status", help="roots, counts per state, model, index size, last scan")
    p.add_argument("--json", action="store_true")
    common(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("models", help="list the supported models and whether their weights are here")
    common(p)
    p.set_defaults(func=cmd_models)


def cmd_index(args: argparse.Namespace) -> int:
    from desktop.cli.progress import IndexBar

    with open_library(args) as lib:
        roots = None
        if args.folders:
            roots = []
            for folder in args.folders:
                if not Path(folder).is_dir():
                    raise UsageError(f"not a folder: {folder}")
                roots.append(lib.add_root(folder).id)
        elif not lib.catalog.roots():
            raise UsageError("no folders yet", hint="add some: reframe index FOLDER [FOLDER ...]")
        bar = IndexBar()
        try:
            summary = lib.index(roots, progress=bar, batch_size=args.batch_size, workers=args.workers)
        finally:
            bar.close()
        if args.json:
            print(json.dumps(summary.to_dict()))
        else:
            print(summary.line())
            for root in summary.offline_roots:
                print(f"offline: {root} (not reachable; its images are kept and marked offline)")
            if summary.failed:
                print("see the failures with: reframe status --json", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        st = lib.status()
        if args.json:
            st["failures"] = [{"path": p, "reason": r} for p, r in lib.failures()]
            print(json.dumps(st, indent=2))
            return 0
        print(f"library  {st['library']}")
        print(f"model    {st['model']} (weights: {st['weights']})")
        print(f"runs on  {_runs_on(st)}")
        c = st["counts"]
        print(
            f"images   {c.get('indexed', 0)} indexed, {c.get('failed', 0)} failed, {c.get('offline', 0)} offline, "
            f"{c.get('pending', 0)} pending; {st['vectors']} vectors for this model"
        )
        print(f"index    {st['index_file_bytes'] / 1e6:.1f} MB")
        if st["last_scan"]:
            import datetime

            print(f"scanned  {datetime.datetime.fromtimestamp(st['last_scan']).isoformat(timespec='seconds')}")
        for r in st["roots"]:
            n = r["counts"]
            print(f"  [{r['state']}] {r['path']}  ({n.get('indexed', 0)} indexed, {n.get('failed', 0)} failed)")
        if not st["roots"]:
            print("no folders yet: reframe index FOLDER")
    return 0


def _runs_on(st: dict) -> str:
    if st["backend"] == "onnx":
        return (
            f"ONNX Runtime, {st['precision']}, CPU"
            if st["device"] in (None, "cpu")
            else f"ONNX Runtime, {st['device']}"
        )
    if st["backend"] == "torch":
        return f"torch, {st['device'] or 'best device'} ({st['precision']})"
    return st["backend"]


def cmd_models(args: argparse.Namespace) -> int:
    from desktop.models.loader import weights_status
    from desktop.models.registry import DEFAULT_MODEL, available_models
    from desktop.paths import LibraryPaths, resolve_library_dir

    paths = LibraryPaths(resolve_library_dir(args.library))
    for spec in available_models():
        mark = "*" if spec.name == DEFAULT_MODEL else " "
        print(f"{mark} {spec.name:34s} {weights_status(spec.name, paths):10s} {spec.description}")
    return 0
