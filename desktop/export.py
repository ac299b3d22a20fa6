"""Copying photos out of the library into a folder, never overwriting what is already there.

Each copy is created with an exclusive open (``O_EXCL``): when ``name.jpg`` exists, it goes to
``name (2).jpg``, then ``name (3).jpg``, and so on. The check and the creation are one step, so a file that
appears in the folder meanwhile (another export, a sync client) is never replaced either. A copy that
fails half-way is removed; the photo is reported as skipped with the reason, and the export goes on with
the next one (a full disk stops it: nothing after would fit). The modification time is kept, as a file
manager's copy keeps it.

Nothing here imports Qt: the app runs :func:`export_files` on a worker thread, with progress and cancel.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.errors import UsageError
from desktop.files import is_disk_full

CHUNK = 1 << 20
#: Candidates tried before giving up on a name (``name (2)`` ... ``name (N)``).
MAX_TRIES = 10_000


@dataclass(frozen=True)
class Copied:
    source: str
    target: str

    @property
    def renamed(self) -> bool:
        """Whether the copy has another name than the photo (a file of that name was there already)."""
        return os.path.basename(self.source) != os.path.basename(self.target)


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str  # in the project's words: "it is no longer there", "the disk is full"


@dataclass
class ExportReport:
    folder: str
    copied: list[Copied] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    cancelled: bool = False
    #: Photos not reached because the export was cancelled or stopped.
    left: int = 0

    @property
    def renamed(self) -> list[Copied]:
        return [c for c in self.copied if c.renamed]

    def summary(self) -> str:
        """One line: "Exported 8 photos to Trip (2 renamed to keep existing files); 1 skipped"."""
        n = len(self.copied)
        text = f"Exported {n} photo{'s' if n != 1 else ''} to {os.path.basename(self.folder) or self.folder}"
        if renamed := len(self.renamed):
            text += f" ({renamed} renamed to keep the files already there)"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped"
        if self.cancelled:
            text += f"; cancelled with {self.left} not copied"
        elif self.left:
            text += f"; {self.left} not copied"
        return text


def candidates(folder: Path, name: str) -> Iterator[Path]:
    """``name``, then ``stem (2).ext``, ``stem (3).ext``, ... in ``folder``."""
    stem, ext = os.path.splitext(name)
    yield folder / name
    for n in range(2, MAX_TRIES + 1):
        yield folder / f"{stem} ({n}){ext}"


def copy_new(source: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """Copy ``source`` into ``folder`` under the first free name and return where it went.

    Raises ``OSError`` (reading, writing, a full disk); what was written of a failed copy is removed.
    """
    src, dest = Path(source), Path(folder)
    with open(src, "rb") as reader:
        for target in candidates(dest, src.name):
            try:
                writer = open(target, "xb")  # noqa: SIM115 - closed below, removed on failure
            except FileExistsError:
                continue
            try:
                with writer:
                    shutil.copyfileobj(reader, writer, CHUNK)
                with contextlib.suppress(OSError):  # times and mode are a courtesy, not the copy
                    shutil.copystat(src, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    target.unlink()
                raise
            return target
    raise OSError(errno.EEXIST, f"no free name for {src.name} after {MAX_TRIES} tries")


def check_folder(folder: str | os.PathLike[str]) -> Path:
    """The export folder, if photos can be written there; a ``UsageError`` that says why not otherwise."""
    dest = Path(folder)
    if not dest.is_dir():
        raise UsageError(f"Cannot export to {dest}: there is no such folder.")
    if not os.access(dest, os.W_OK | os.X_OK):
        raise UsageError(f"Cannot export to {dest}: this folder cannot be written to.", hint="Choose another folder.")
    return dest


def reason(exc: OSError) -> str:
    """Why a copy failed, in a few words."""
    if is_disk_full(exc):
        return "the disk is full"
    if isinstance(exc, FileNotFoundError):
        return "it is no longer there"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder"
    return exc.strerror or str(exc)


def export_files(
    paths: Sequence[str],
    folder: str | os.PathLike[str],
    *,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportReport:
    """Copy ``paths`` into ``folder``, in order, never overwriting; ``progress(done, total, name)`` before each.

    Raises ``UsageError`` when the folder is missing or cannot be written. Otherwise returns what was
    copied and what was skipped and why; stops between two photos when ``cancel`` is set.
    """
    dest = check_folder(folder)
    report = ExportReport(os.fspath(dest))
    total = len(paths)
    for done, path in enumerate(paths):
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            report.left = total - done
            break
        if progress is not None:
            progress(done, total, os.path.basename(path))
        try:
            target = copy_new(path, dest)
        except OSError as exc:
            report.skipped.append(Skipped(path, reason(exc)))
            if is_disk_full(exc):
                report.left = total - done - 1
                break
            continue
        report.copied.append(Copied(path, os.fspath(target)))
    if progress is not None and not report.cancelled and not report.left:
        progress(total, total, "")
    return report
