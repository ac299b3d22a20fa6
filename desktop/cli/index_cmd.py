"""``reframe index``, ``reframe status`` and ``reframe models``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.argtypes import positive_int
from desktop.errors import UsageError

if TYPE_CHECKING:
    from desktop.library import IndexSummary, Library

#: Unreadable paths printed after an index run; the rest are counted.
MAX_LISTED = 10


def open_library(args: argparse.Namespace, model: str | None = None) -> Library:
    from desktop.library import Library

    return Library.open(
        args.library,
        model or getattr(args, "model", None),
        weights=Path(args.weights) if getattr(args, "weights", None) else None,
        device=getattr(args, "device", None),
        backend=getattr(args, "backend", None),
        precision=getattr(args, "precision", None),
    )


def register(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:
    p = sub.add_parser(
        "index",
        help="add folders and index new or changed images (no folder: rescan all)",
        description="Add folders (remembered) and index what is new or changed in them; with no folder, "
        "rescan every folder of the library. Only one indexer works on a library at a time.",
        epilog="examples:\n"
        "  reframe index ~/Pictures /media/usb/photos\n"
        "  reframe index --exclude '*/Screenshots' --exclude '*.gif'\n"
        "  reframe index --no-wait --json    # from cron: exit 2 if another indexer is running",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folders", nargs="*", metavar="FOLDER", help="folders to add (default: rescan all)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON (default: plain text)")
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        metavar="N",
        help="images per model call (default: 256 on a CUDA GPU, else 32)",
    )
    p.add_argument("--workers", type=positive_int, default=2, metavar="N", help="decode threads (default: 2)")
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATH|GLOB",
        help="leave out a folder, file name or glob for this run only (repeatable; default: none; "
        "`reframe folders exclude` remembers one)",
    )
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="if another indexer is working on the library, exit with status 2 instead of waiting",
    )
    common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser(
        "status",
        help="roots, counts per state, model, index size, last scan",
        epilog="examples:\n  reframe status\n  reframe status --json | jq .unreachable",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print everything as JSON, with failures (default: text)")
    common(p, weights=False, device=False)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "models",
        help="list the supported models and whether their weights are here",
        epilog="examples:\n  reframe models\n  reframe models --library ~/other-library",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common(p, model=False, weights=False, device=False)
    p.set_defaults(func=cmd_models)


def cmd_index(args: argparse.Namespace) -> int:
    from desktop.cli.interrupt import stop_on_ctrl_c
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
        lib.run_exclusions = list(args.exclude)
        lib.indexer_name = "reframe index"
        bar = IndexBar()
        try:
            with stop_on_ctrl_c("stopping after the current batch; what is done is kept") as stop:
                summary = lib.index(
                    roots,
                    progress=bar,
                    cancel=stop,
                    batch_size=args.batch_size,
                    workers=args.workers,
                    wait=not args.no_wait,
                    on_wait=lambda text: print(f"reframe: {text}", file=sys.stderr, flush=True),
                )
        finally:
            bar.close()
        _print_summary(summary, args.json)
    return 130 if stop.is_set() else 0


def _print_summary(summary: IndexSummary, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary.to_dict()))
        return
    print(summary.line())
    for root in summary.offline_roots:
        print(f"offline: {root} (not reachable; its images are kept and marked offline)")
    for root in summary.denied_roots:
        print(f"permission denied: {root} (its images are kept and marked unreachable)")
    for path, reason in summary.problems[:MAX_LISTED]:
        print(f"cannot read: {path} ({reason}; its images are kept and marked unreachable)")
    if len(summary.problems) > MAX_LISTED:
        print(f"... and {len(summary.problems) - MAX_LISTED} more (reframe status --json lists them)")
    if summary.failed:
        print("see the failures with: reframe status --json", file=sys.stderr)


def cmd_status(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        st = lib.status()
        if args.json:
            st["failures"] = [{"path": p, "reason": r} for p, r in lib.failures()]
            st["unreachable"] = [{"path": p, "reason": r} for p, r in lib.unreachable()]
            print(json.dumps(st, indent=2))
            return 0
        print(f"library  {st['library']}")
        print(f"model    {st['model']} (weights: {st['weights']})")
        print(f"runs on  {_runs_on(st)}")
        c = st["counts"]
        print(
            f"images   {c.get('indexed', 0)} indexed, {c.get('failed', 0)} failed, {c.get('offline', 0)} offline, "
            f"{c.get('unreachable', 0)} unreachable, {c.get('pending', 0)} pending; "
            f"{st['vectors']} vectors for this model"
        )
        print(f"index    {st['index_file_bytes'] / 1e6:.1f} MB")
        if st["last_scan"]:
            import datetime

            print(f"scanned  {datetime.datetime.fromtimestamp(st['last_scan']).isoformat(timespec='seconds')}")
        for r in st["roots"]:
            n = r["counts"]
            state = "permission denied" if r["state"] == "denied" else r["state"]
            extra = "".join(f", {n[k]} {k}" for k in ("offline", "unreachable") if n.get(k))
            print(f"  [{state}] {r['path']}  ({n.get('indexed', 0)} indexed, {n.get('failed', 0)} failed{extra})")
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
