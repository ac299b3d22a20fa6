"""``reframe duplicates``: groups of photos that are the same picture. Reports only; never deletes."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from desktop.cli.index_cmd import open_library
from desktop.duplicates import DEFAULT_MAX_DISTANCE, DEFAULT_THRESHOLD, find_duplicates
from desktop.errors import UsageError


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser(
        "duplicates",
        help="list groups of near-duplicate photos, suggested keeper first (nothing is deleted)",
    )
    p.add_argument("--json", action="store_true", help='print [[{"path", "size", "width", "height", "taken"}, ...]]')
    p.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"vector similarity for a candidate pair, 0..1 (default {DEFAULT_THRESHOLD}; lower finds more)",
    )
    p.add_argument("--folder", action="append", metavar="PATH", help="only photos under PATH (repeatable)")
    p.add_argument(
        "--no-check",
        action="store_true",
        help="skip the picture check: group every candidate pair (finds more, keeps fewer different photos apart)",
    )
    common(p)
    p.set_defaults(func=cmd_duplicates)


def cmd_duplicates(args: argparse.Namespace) -> int:
    if not 0.0 < args.threshold <= 1.0:
        raise UsageError("--threshold must be in (0, 1]")
    with open_library(args) as lib:
        report = find_duplicates(
            lib, threshold=args.threshold, max_distance=DEFAULT_MAX_DISTANCE, folders=args.folder or [],
            check=not args.no_check,
        )  # fmt: skip
    if args.json:
        print(json.dumps(report.to_json()))
        return 0
    if not report.groups:
        print("no duplicates found")
    for n, group in enumerate(report.groups, 1):
        print(f"group {n} ({len(group)} photos)")
        for i, f in enumerate(group):
            mark = "keep" if i == 0 else "    "
            print(f"  {mark}  {f.width}x{f.height}  {f.size:>9d} B  {(f.taken or '')[:10]:10s}  {f.path}")
    photos = sum(len(g) for g in report.groups)
    print(f"{len(report.groups)} groups, {photos} photos ({report.candidates} candidate pairs, {report.kept} kept)")
    return 0
