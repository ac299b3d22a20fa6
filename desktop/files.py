"""Replacing files atomically, and checking that what reached the disk is what was meant.

The one way Reframe replaces a file: write a temp file beside the target, fsync it, check it (its size,
and for the vector index its structure), then ``os.replace`` and fsync the folder. A crash at any moment
leaves either the old file or the new one, never a mix; a full disk leaves the old one and says so.

Some writers do not report a short write (hnswlib's ``save_index`` writes through a C++ stream and
returns as if all went well), so a check after the fsync is what catches a full disk there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from desktop.errors import DiskFull

TEMP_SUFFIX = ".tmp"
#: A temp file older than this is left over from a killed save (no save takes this long) and is removed.
STALE_TEMP_S = 15 * 60
_FULL_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG) if e is not None)


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS


def disk_full(target: Path, detail: str) -> DiskFull:
    return DiskFull(
        f"disk full: could not write {target} ({detail}); the previous file is kept",
        hint="free some space on that disk and run again: the work resumes where it stopped",
    )


def temp_beside(target: Path) -> Path:
    """A new, empty, uniquely named file in ``target``'s folder (same file system)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    os.close(fd)
    return Path(name)


def fsync_file(path: Path) -> None:
    # Opened for writing: Windows cannot flush a read-only handle.
    with open(path, "r+b") as f:
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable. Not possible (nor needed) on Windows."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_with(
    target: Path, write: Callable[[Path], None], *, verify: Callable[[Path], None] | None = None
) -> tuple[int, int]:
    """Have ``write(tmp)`` fill a temp file, check it, then atomically put it in place of ``target``.

    ``verify(tmp)`` raises ``ValueError`` when the file is not what was written (a short write).
    Returns the new file's ``(size, CRC-32)``. Raises :class:`DiskFull` (the old file kept) when the disk
    is full; any other error also leaves the old file and no temp file behind.
    """
    target = Path(target)
    tmp: Path | None = None
    try:
        tmp = temp_beside(target)
        write(tmp)
        fsync_file(tmp)
        if verify is not None:
            verify(tmp)
        size_crc = crc32_of(tmp)
        os.replace(tmp, target)
        tmp = None
    except ValueError as exc:
        raise disk_full(target, f"the file came out short: {exc}") from exc
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full(target, exc.strerror or str(exc)) from exc
        raise
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
    fsync_dir(target.parent)
    return size_crc


def write_bytes_atomic(target: Path, data: bytes) -> tuple[int, int]:
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    def verify(tmp: Path) -> None:
        if tmp.stat().st_size != len(data):
            raise ValueError(f"{tmp.stat().st_size} of {len(data)} bytes")

    return replace_with(target, write, verify=verify)


def remove_stale_temps(folder: Path, older_than_s: float = STALE_TEMP_S) -> list[Path]:
    """Delete the temp files that killed saves left in ``folder``; return them.

    A recent one may belong to another process saving right now, so only old ones go.
    """
    removed: list[Path] = []
    cutoff = time.time() - older_than_s
    with contextlib.suppress(OSError):
        for path in Path(folder).glob(f".*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
    return removed


def crc32_of(path: Path, chunk: int = 1 << 22) -> tuple[int, int]:
    """``(size in bytes, CRC-32)`` of a file's content."""
    crc, size = 0, 0
    with open(path, "rb") as f:
        while block := f.read(chunk):
            crc = zlib.crc32(block, crc)
            size += len(block)
    return size, crc
