"""The options ``reframe search`` shares with query files: terms, filters, paging, counts; and their output."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop.search.engine import Found, SearchRequest
from desktop.search.filters import Filters
from desktop.search.terms import parse_terms

EXAMPLES = """
examples:
  reframe search --text "2:a beach" --text "sunset" --not "people"
  reframe search --text "a red car" --after 2021-06 --before 2021-08 --folder ~/Pictures/trips
  reframe search --image ref.jpg --text "in winter" --kind jpeg,heic --json
  reframe search --after 2024 --k 50 --offset 50        # no query: browse, newest first
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--not", dest="negatives", action="append", metavar="TEXT", help="push this away (repeatable; default: none)"
    )
    p.add_argument(
        "--after",
        metavar="DATE",
        help="taken on or after DATE (YYYY, YYYY-MM, YYYY-MM-DD, ISO time; default: no limit)",
    )
    p.add_argument(
        "--before", metavar="DATE", help="taken on or before DATE (the whole year/month/day named; default: no limit)"
    )
    p.add_argument(
        "--folder", action="append", metavar="PATH", help="only photos under PATH (repeatable; default: every folder)"
    )
    p.add_argument(
        "--kind", metavar="KINDS", help="only these kinds: jpeg,png,heic,webp,gif,tiff,bmp,avif (default: all)"
    )
    p.add_argument("--offset", type=int, default=0, help="skip this many results, for paging (default: 0)")
    p.add_argument("--all", action="store_true", help="rank every photo, not only those that match")
    p.epilog = EXAMPLES
    p.formatter_class = argparse.RawDescriptionHelpFormatter


def request(
    args: argparse.Namespace | None = None, line: dict[str, Any] | None = None, default_k: int = 10
) -> SearchRequest:
    """A request from the command line's options, or from one JSON line of a query file (same names)."""
    if line is not None:
        get = line.get
        texts = get("text")
        negatives = get("not")
        folders = get("folder") or []
        folders = [folders] if isinstance(folders, str) else folders
        return SearchRequest(
            terms=tuple(parse_terms(texts, negatives)),
            image=get("image"),
            compose=get("compose", "auto"),
            k=int(get("k", default_k)),
            offset=int(get("offset", 0)),
            filters=Filters.parse(get("after"), get("before"), folders, get("kind")),
            all=bool(get("all", False)),
        )
    assert args is not None
    return SearchRequest(
        terms=tuple(parse_terms(args.text, args.negatives)),
        image=args.image,
        compose=args.compose,
        k=args.k,
        offset=args.offset,
        filters=Filters.parse(args.after, args.before, args.folder or [], args.kind),
        all=args.all,
    )


def print_human(found: Found, offset: int = 0) -> None:
    if found.note:
        print(f"note: {found.note}", file=sys.stderr)
    if not found.hits:
        print("no results" + ("" if found.matches else " (is the library indexed? reframe status)"))
        return
    for rank, hit in enumerate(found.hits, offset + 1):
        f = hit.facts
        when = (f.taken or "")[:10]
        lead = f"{hit.score:.3f}" if hit.score is not None else when
        print(f"{rank:3d}  {lead}  {hit.path}")
    if found.matches is not None:
        label = "photos" if found.mode == "browse" else "matches"
        print(f"{found.matches} {label}", file=sys.stderr)
