"""``reframe search``: text, image, or composed queries; one at a time or many from a JSON-lines file."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from desktop.cli.argtypes import positive_int
from desktop.cli.index_cmd import open_library
from desktop.errors import ReframeError, UsageError
from desktop.search.query import COMPOSE_MODES, SearchResult


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
    p.add_argument("--text", help="a description, or with --image the change to make (default: none)")
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
        help='print {"results": [{"path", "score"}], "mode", "note"?} as JSON (default: plain text)',
    )
    p.add_argument(
        "--queries",
        metavar="FILE",
        help='JSON lines {"text"?, "image"?, "k"?, "compose"?} (- = stdin); one line of results each '
        "(default: one search from the options above)",
    )
    common(p)
    p.set_defaults(func=cmd_search)


#: How a composed search was made, in words, for the plain output.
COMPOSED_BY = {
    "combiner": "composed with the model's Combiner",
    "sum": "composed as the normalised sum of the image's and the text's features (no Combiner)",
}


def _as_json(res: SearchResult) -> dict[str, Any]:
    """One search as JSON: the same shape as a line of --queries output."""
    out: dict[str, Any] = {"results": res.to_json(), "mode": res.mode}
    if res.note:
        out["note"] = res.note
    return out


def _print_human(res: SearchResult) -> None:
    if res.note:
        print(f"note: {res.note}", file=sys.stderr)
    if res.mode in COMPOSED_BY:  # on stderr with the note: stdout stays one line per result
        print(COMPOSED_BY[res.mode], file=sys.stderr)
    if not res.hits:
        print("no results (is the library indexed? reframe status)")
    for rank, hit in enumerate(res.hits, 1):
        print(f"{rank:3d}  {hit.score:.3f}  {hit.path}")


def cmd_search(args: argparse.Namespace) -> int:
    if args.queries:
        return _batch(args)
    if not args.text and not args.image:
        raise UsageError("give --text, --image, or both", hint="example: reframe search --text 'a dog on a beach'")
    with open_library(args) as lib:
        res = lib.search(args.text, args.image, k=args.k, compose=args.compose)
        if args.json:
            print(json.dumps(_as_json(res)))
            if res.note:
                print(f"note: {res.note}", file=sys.stderr)
        else:
            _print_human(res)
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
                res = lib.search(
                    q.get("text"), q.get("image"), k=int(q.get("k", args.k)), compose=q.get("compose", args.compose)
                )
                out = _as_json(res)
            except (json.JSONDecodeError, ReframeError, ValueError) as exc:
                failures += 1
                out = {"error": str(getattr(exc, "message", exc)), "line": lineno}
            print(json.dumps(out), flush=True)
    return 2 if failures else 0
