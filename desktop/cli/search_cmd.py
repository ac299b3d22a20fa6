"""``reframe search``: text, image, or composed queries; one at a time or many from a JSON-lines file."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from desktop.cli import search_opts
from desktop.cli.argtypes import positive_int
from desktop.cli.index_cmd import open_library
from desktop.errors import ReframeError, UsageError
from desktop.search.query import COMPOSE_MODES


def register(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:
    p = sub.add_parser(
        "search",
        help="search by --text, by --image, or both (composed: the image changed as the text says)",
        epilog="examples:\n"
        "  reframe search --text 'a red bicycle against a wall'\n"
        "  reframe search --image holiday.jpg --text 'same place but in winter' --k 20\n"
        "  reframe search --queries queries.jsonl --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--text",
        action="append",
        help="a description, or with --image the change to make; repeatable, 'N:' weights it (e.g. '2:a beach') "
        "(default: none)",
    )
    p.add_argument("--image", metavar="PATH", help="a reference image, may be outside the library (default: none)")
    p.add_argument("--k", type=positive_int, default=10, help="number of results (default 10)")
    p.add_argument(
        "--compose",
        choices=COMPOSE_MODES,
        default="auto",
        help="how text and image combine: the model's Combiner (auto, the default) or the normalised sum",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help='print {"mode", "matches", "results": [{"path", "score", "taken", "date_source", "width", "height"}], '
        '"note"?} as JSON (default: plain text)',
    )
    p.add_argument(
        "--queries",
        metavar="FILE",
        help='JSON lines {"text"?, "image"?, "k"?, "compose"?, "not"?, "after"?, ...} (- = stdin); one line of '
        "results each (default: one search from the options above)",
    )
    search_opts.add_arguments(p)
    common(p)
    p.set_defaults(func=cmd_search)


#: How a composed search was made, in words, for the plain output.
COMPOSED_BY = {
    "combiner": "composed with the model's Combiner",
    "sum": "composed as the normalised sum of the image's and the text's features (no Combiner)",
}


def cmd_search(args: argparse.Namespace) -> int:
    if args.queries:
        return _batch(args)
    req = search_opts.request(args)  # malformed terms or filters fail before the library opens
    with open_library(args) as lib:
        found = lib.find(req)
        if args.json:
            print(json.dumps(found.to_json()))
            if found.note:
                print(f"note: {found.note}", file=sys.stderr)
        else:
            search_opts.print_human(found, req.offset)
            if found.mode in COMPOSED_BY:  # on stderr with the note: stdout stays one line per result
                print(COMPOSED_BY[found.mode], file=sys.stderr)
    return 0


def _batch(args: argparse.Namespace) -> int:
    try:
        stream = sys.stdin if args.queries == "-" else open(args.queries, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot read the queries file {args.queries}: {exc.strerror or exc}") from exc
    failures = 0
    with stream, open_library(args) as lib:
        for lineno, line in enumerate(stream, 1):
            if not line.strip():
                continue
            out: dict[str, Any]
            try:
                q = json.loads(line)
                if not isinstance(q, dict):
                    raise UsageError("each line must be a JSON object")
                out = lib.find(
                    search_opts.request(line=q | {"compose": q.get("compose", args.compose)}, default_k=args.k)
                ).to_json()
            except (json.JSONDecodeError, ReframeError, ValueError) as exc:
                failures += 1
                out = {"error": str(getattr(exc, "message", exc)), "line": lineno}
            print(json.dumps(out), flush=True)
    return 2 if failures else 0
