"""The ``reframe`` command: the engine without a window.

Every subcommand takes ``--library DIR`` and ``--model NAME``. Errors a user can act on are printed as one
message (no traceback) with exit status 2 for bad input or a missing model; Ctrl-C exits with 130 and leaves
the library consistent.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Sequence

from desktop import __version__
from desktop.errors import ReframeError


def _common(p: argparse.ArgumentParser, *, model: bool = True, weights: bool = True, device: bool = True) -> None:
    """The options subcommands share; one that loads no model takes no --weights or --device."""
    p.add_argument("--library", metavar="DIR", help="library directory (default: $REFRAME_HOME or the user data dir)")
    if model:
        p.add_argument(
            "--model", metavar="NAME", help="model name (default: the library's last one; see `reframe models`)"
        )
    if weights:
        p.add_argument(
            "--weights", metavar="FILE", help="use this local weights file instead of downloading (default: none)"
        )
    if device:
        p.add_argument(
            "--device", choices=("cuda", "mps", "cpu"), help="device to run the model on (default: the best there is)"
        )
    if device:  # what runs the model goes with where it runs
        p.add_argument(
            "--backend",
            choices=("auto", "onnx", "torch"),
            help="what runs the model: ONNX Runtime, or torch (the torch extra) (default: $REFRAME_BACKEND, else "
            "auto: ONNX Runtime on a CPU, torch on a CUDA or Apple GPU when installed)",
        )
        p.add_argument(
            "--precision",
            choices=("fp32", "int8"),
            help="ONNX Runtime weights: fp32, or int8 (dynamic quantisation: faster, slightly less exact) "
            "(default: fp32)",
        )
    p.add_argument("-v", "--verbose", action="store_true", help="log details to stderr (default: warnings only)")


def build_parser() -> argparse.ArgumentParser:
    from desktop.cli import (
        demo_cmd,
        duplicates_cmd,
        export_cmd,
        folders_cmd,
        index_cmd,
        search_cmd,
        selftest_cmd,
        train_cmd,
    )

    parser = argparse.ArgumentParser(
        prog="reframe",
        description="Search a photo library by text, by example, and by example + change.",
    )
    parser.add_argument("--version", action="version", version=f"reframe {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (index_cmd, folders_cmd, search_cmd, duplicates_cmd, demo_cmd, train_cmd, export_cmd, selftest_cmd):
        module.register(sub, _common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = logging.StreamHandler()
    console.setLevel(logging.INFO if getattr(args, "verbose", False) else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[console])
    try:
        return int(args.func(args) or 0)
    except ReframeError as exc:
        print(f"reframe: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        return exc.exit_code
    except (OSError, sqlite3.OperationalError) as exc:
        if not _disk_full(exc):
            raise
        print(f"reframe: disk full ({exc}); what was saved before is kept", file=sys.stderr)
        print("free some space on that disk and run again: the work resumes where it stopped", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("reframe: interrupted; the library is consistent and the next run resumes", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _disk_full(exc: BaseException) -> bool:
    from desktop.files import is_disk_full

    # SQLite says SQLITE_FULL in words; a write past a file size limit is an I/O error to it.
    return is_disk_full(exc) or (isinstance(exc, sqlite3.OperationalError) and "full" in str(exc))


if __name__ == "__main__":
    sys.exit(main())
