"""Replacing files atomically: write a temp file beside the target, fsync, ``os.replace``.

A crash at any moment leaves either the old file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path


def temp_beside(target: Path) -> Path:
    """A new, empty, uniquely named file in ``target``'s folder (same file system)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
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


def replace_with(target: Path, write: Callable[[Path], None]) -> None:
    """Have ``write(tmp)`` fill a temp file, then atomically put it in place of ``target``."""
    tmp = temp_beside(target)
    try:
        write(tmp)
        fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def write_bytes_atomic(target: Path, data: bytes) -> None:
    replace_with(target, lambda tmp: tmp.write_bytes(data))


def crc32_of(path: Path, chunk: int = 1 << 22) -> tuple[int, int]:
    """``(size in bytes, CRC-32)`` of a file's content."""
    crc, size = 0, 0
    with open(path, "rb") as f:
        while block := f.read(chunk):
            crc = zlib.crc32(block, crc)
            size += len(block)
    return size, crc
