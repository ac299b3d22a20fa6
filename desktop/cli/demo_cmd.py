"""``reframe demo`` (a shapes library indexed and searched three ways) and ``reframe gui``."""

from __future__ import annotations

import argparse
import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from desktop.paths import demo_library_dir, resolve_library_dir

DEMO_MODEL = "shapes-tiny"


def register(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:
    p = sub.add_parser("demo", help="build a demo library, index it, run a text, an image and a composed search")
    p.add_argument("--count", type=int, default=300, help="number of demo images (default 300)")
    p.add_argument("--k", type=int, default=5, help="results shown per search")
    common(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("--demo", action="store_true", help="open on the demo library with a composed query ready")
    common(p)
    p.set_defaults(func=cmd_gui)


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.cli.progress import IndexBar
    from desktop.library import Library
    from desktop.shapes.demo import COMPOSED_TEXT, TEXT_QUERY, build_demo_library

    own = not args.library  # the demo's own library, or one the user named
    root = demo_library_dir() if own else resolve_library_dir(args.library)
    print(f"demo library: {root}")
    demo = build_demo_library(root / "demo", count=args.count)
    with Library.open(root, args.model or DEMO_MODEL, weights=_weights(args), device=args.device) as lib:
        lib.remember_model = own
        lib.add_root(demo.photos)
        bar = IndexBar()
        try:
            summary = lib.index(progress=bar)
        finally:
            bar.close()
        print(summary.line())
        print(f"model: {lib.model_name} on {lib.device or 'cpu'}\n")

        def show(title: str, text: str | None, image: str | None) -> None:
            res = lib.search(text, image, k=args.k)
            print(title + (f"   [{res.mode}]" if res.mode in ("combiner", "sum") else ""))
            if res.note:
                print(f"  note: {res.note}")
            for rank, hit in enumerate(res.hits, 1):
                print(f"  {rank}. {hit.score:.3f}  {demo.caption_of(hit.path)}")
            print()

        show(f'1. text search: "{TEXT_QUERY}"', TEXT_QUERY, None)
        example = sorted(demo.captions)[0]
        show(f"2. more like: {demo.captions[example]}", None, str(demo.photos / example))
        show(
            f"3. composed search: reference = a large blue square in the center on a white background\n"
            f'   + "{COMPOSED_TEXT}"',
            COMPOSED_TEXT,
            str(demo.reference),
        )
        print(f'try your own: reframe search --library {root} --model shapes-tiny --text "a yellow star on black"')
    return 0


def _weights(args: argparse.Namespace) -> Path | None:
    return Path(args.weights) if args.weights else None


def missing_for_gui(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """What the window cannot open without, in words (None: nothing known to be missing).

    Without this, Qt aborts the process (status 134) with a message about platform plugins.
    """
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None  # macOS and Windows always have a display; an explicit platform plugin is the user's call
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return "no display: the app needs a graphical session (DISPLAY or WAYLAND_DISPLAY is not set)"
    if env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY") and ctypes.util.find_library("xcb-cursor") is None:
        return "the library libxcb-cursor0 is missing (Qt needs it to open a window under X11)"
    return None


def cmd_gui(args: argparse.Namespace) -> int:
    missing = missing_for_gui(os.environ)
    if missing is not None:
        from desktop.errors import UsageError

        raise UsageError(
            missing,
            hint="install it (Debian/Ubuntu: sudo apt install libxcb-cursor0), or use the reframe command, "
            "which needs no display",
        )
    from desktop.gui.app import main as gui_main

    argv = []
    if args.library:
        argv += ["--library", args.library]
    if args.model:
        argv += ["--model", args.model]
    for option in ("device", "backend", "precision"):  # the app's own options, over its stored Settings
        if getattr(args, option, None):
            argv += [f"--{option}", getattr(args, option)]
    if args.weights:
        from desktop.errors import UsageError

        raise UsageError(
            "reframe gui does not take --weights", hint="open the app and use 'Choose a weights file…' instead"
        )
    if args.demo:
        argv.append("--demo")
    return int(gui_main(argv) or 0)
