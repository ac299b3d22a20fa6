"""``reframe self-test``: check an installed copy end to end (see :mod:`desktop.selftest`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def register(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:
    from desktop.selftest import DEFAULT_COUNT

    p = sub.add_parser(
        "self-test",
        help="offscreen: build a small demo library, index it with shapes-tiny, run a text, an image and a "
        "composed search, open the window; exit 0 when all is well",
    )
    p.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"demo photos to index (default {DEFAULT_COUNT})")
    p.add_argument("--no-gui", action="store_true", help="skip opening the window")
    p.add_argument("--keep", action="store_true", help="keep the temporary library")
    common(p, model=False, weights=False)  # it always runs shapes-tiny: a --model would be ignored
    p.set_defaults(func=cmd_self_test)


def cmd_self_test(args: argparse.Namespace) -> int:
    from desktop.selftest import run_args

    # --library names the folder to run in (kept).
    return run_args(args)
