"""The ``reframe`` command: the engine without a window.

Every subcommand takes ``--library DIR`` and ``--model NAME``. Errors a user can act on are printed as one
message (no traceback) with exit status 2 for bad input or a missing model; Ctrl-C exits with 130 and leaves
the library consistent.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from desktop import __version__
from desktop.errors import ReframeError

COMMANDS = (
    "index",
    "search",
    "status",
    "demo",
    "train",
    "train-combiner",
    "eval",
    "export-onnx",
    "gui",
    "models",
    "self-test",
)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", metavar="DIR", help="library directory (default: $REFRAME_HOME or the user data dir)")
    p.add_argument("--model", metavar="NAME", help="model name (see `reframe models`)")
    p.add_argument("--weights", metavar="FILE", help="use this local weights file instead of downloading")
    p.add_argument("--device", choices=("cuda", "mps", "cpu"), help="device to run the model on (default: best)")
    p.add_argument(
        "--backend",
        choices=("auto", "onnx", "torch"),
        help="what runs the model: ONNX Runtime, or torch (the torch extra); default: $REFRAME_BACKEND, else auto "
        "(ONNX Runtime on a CPU, torch on a CUDA or Apple GPU when installed)",
    )
    p.add_argument(
        "--precision",
        choices=("fp32", "int8"),
        help="ONNX Runtime weights: fp32 (default) or int8 (dynamic quantisation: faster, slightly less exact)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")


def build_parser() -> argparse.ArgumentParser:
    from desktop.cli import demo_cmd, export_cmd, index_cmd, search_cmd, selftest_cmd, train_cmd

    parser = argparse.ArgumentParser(
        prog="reframe",
        description="Search a photo library by text, by example, and by example + change.",
    )
    parser.add_argument("--version", action="version", version=f"reframe {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (index_cmd, search_cmd, demo_cmd, train_cmd, export_cmd, selftest_cmd):
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
    except KeyboardInterrupt:
        print("reframe: interrupted; the library is consistent and the next run resumes", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
