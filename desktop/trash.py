"""Moving photos to the system trash, where they can be restored. Never a hard delete.

The move is the ``send2trash`` library's (the Recycle Bin on Windows, the Trash on macOS, the freedesktop
trash on Linux). Each file is moved on its own, so one that cannot be moved does not keep the others, and
each failure is told in the project's words: what happened to which file, and what to do.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop import log
from desktop.errors import MissingExtra

_log = log.get("trash")


@dataclass
class TrashReport:
    moved: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, why, in words)


def backend() -> Callable[[str], None]:
    """The function that moves one path to the trash (tests replace it to keep away from the real trash)."""
    try:
        from send2trash import send2trash
    except ImportError as exc:  # a broken install: it is a base dependency
        raise MissingExtra(
            "Moving photos to the trash needs the send2trash package, which this installation lacks.",
            hint="Reinstall Reframe, or install it with: pip install send2trash",
        ) from exc
    return send2trash


def move_to_trash(paths: Iterable[str | os.PathLike[str]], mover: Callable[[str], None] | None = None) -> TrashReport:
    """Move each of ``paths`` to the system trash; the report says which moved and why the others did not."""
    move = mover or backend()
    report = TrashReport()
    for p in paths:
        path = os.fspath(p)
        try:
            if not os.path.lexists(path):
                raise FileNotFoundError(errno.ENOENT, "not found", path)
            move(path)
        except Exception as exc:  # each file's failure is told; the others are still moved
            why = describe_failure(path, exc)
            _log.warning("could not move %s to the trash: %s (%s: %s)", path, why, type(exc).__name__, exc)
            report.failed.append((path, why))
        else:
            _log.info("moved %s to the trash", path)
            report.moved.append(path)
    return report


def describe_failure(path: str, exc: BaseException) -> str:
    """Why ``path`` could not be moved to the trash, in words a user can act on."""
    name = Path(path).name
    if exc.__class__.__name__ == "TrashPermissionError":  # send2trash: no trash folder may be made there
        return f"{name}: its drive has no trash that Reframe may use; move or delete it in the file manager"
    if isinstance(exc, FileNotFoundError) or (isinstance(exc, OSError) and exc.errno == errno.ENOENT):
        return f"{name} is not there any more (moved or deleted meanwhile, or its drive is not connected)"
    if isinstance(exc, PermissionError) or (isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM)):
        return f"{name}: permission denied (the file or its folder is read-only for you)"
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return f"{name} is on a read-only drive"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{name} could not be moved to the trash: {exc.strerror.lower()}"
    return f"{name} could not be moved to the trash (the details are in the log)"
