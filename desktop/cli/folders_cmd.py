"""``reframe folders``: the library's folders with their counts and states; remove one; exclusions.

The exclusions are the app's own (one list in the catalog), so a folder excluded here is excluded there.
Removing a folder forgets its photos and their vectors; the files themselves are never touched.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.index_cmd import open_library
from desktop.errors import UsageError
from desktop.ingest.scan import is_glob

if TYPE_CHECKING:
    from desktop.library import Library


def register(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:
    p = sub.add_parser(
        "folders",
        help="list the library's folders; remove one; exclude or include a folder or glob",
        description="With no action, list the folders with their photo counts and states, and the exclusions.",
        epilog="examples:\n"
        "  reframe folders\n"
        "  reframe folders remove /media/usb/photos --yes\n"
        "  reframe folders exclude '*/Screenshots'    # also: a folder path, or a name such as '*.gif'\n"
        "  reframe folders include '*/Screenshots'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "action", nargs="?", choices=("list", "remove", "exclude", "include"), default="list", help="(default: list)"
    )
    p.add_argument("target", nargs="?", metavar="PATH|GLOB", help="the folder, or for exclude/include a glob")
    p.add_argument("--yes", action="store_true", help="remove without asking (default: ask)")
    common(p, model=False, weights=False, device=False)
    p.set_defaults(func=cmd_folders)


def cmd_folders(args: argparse.Namespace) -> int:
    if args.action != "list" and not args.target:
        raise UsageError(f"reframe folders {args.action} needs a PATH or GLOB")
    with open_library(args) as lib:
        if args.action == "list":
            _list(lib)
        elif args.action == "remove":
            return _remove(lib, args.target, args.yes)
        elif args.action == "exclude":
            rule = _rule(args.target)
            lib.set_excluded([*lib.excluded(), rule])
            print(f"excluded: {rule} (the next scan leaves it out; its photos already indexed go then)")
        else:
            rule = _rule(args.target)
            if rule not in lib.excluded() and args.target not in lib.excluded():
                raise UsageError(f"not excluded: {args.target}", hint="see the exclusions with: reframe folders")
            lib.set_excluded([x for x in lib.excluded() if x not in (rule, args.target)])
            print(f"included again: {rule} (the next scan indexes it)")
    return 0


def _rule(target: str) -> str:
    """A glob or bare name is kept as written; a folder path is stored absolute, as the app stores it."""
    if is_glob(target) or ("/" not in target and "\\" not in target and not Path(target).exists()):
        return target
    return str(Path(target).expanduser().resolve())


def _list(lib: Library) -> None:
    roots = lib.roots()
    if not roots:
        print("no folders yet: reframe index FOLDER")
    for r in roots:
        state = "permission denied" if r.state == "denied" else r.state
        c = r.counts
        parts = [f"{c.get(k, 0)} {k}" for k in ("indexed", "failed", "offline", "unreachable", "pending") if c.get(k)]
        print(f"[{state}] {r.path}  ({', '.join(parts) or 'no photos'})")
    for rule in lib.excluded():
        print(f"excluded: {rule}")


def _remove(lib: Library, target: str, yes: bool) -> int:
    wanted = str(Path(target).expanduser().resolve())
    root = next((r for r in lib.roots() if r.path in (target, wanted)), None)
    if root is None:
        raise UsageError(f"not a folder of this library: {target}", hint="see them with: reframe folders")
    n = sum(root.counts.values())
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("removing a folder asks first", hint="add --yes to remove it without asking")
        answer = input(f"forget {root.path} and its {n} photos? The files stay where they are. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("kept")
            return 1
    with lib.indexing_lock(on_wait=lambda text: print(f"reframe: {text}", file=sys.stderr, flush=True)):
        lib.remove_root(root.id)
    print(f"removed {root.path}: {n} photos forgotten, no files touched")
    return 0
