"""A disk cache of thumbnails, so the results grid never decodes a full photo twice.

A thumbnail is a JPEG that fits in ``size`` × ``size`` pixels, keeps the photo's aspect ratio and is
upright (EXIF orientation applied by the decoder). Its file name is a hash of the photo's absolute
path, the size, and the photo's modification time and length: an edited photo gets a new thumbnail,
and stale ones are simply never asked for again. :meth:`ThumbnailCache.prune` bounds the cache, the
least recently used first (the app runs it in the background at start and after each indexing run).
Files are written to a temporary name and renamed into place, so a
reader never sees half a thumbnail and two threads making the same one do not collide.

Safe to use from many threads at once. Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

from desktop.errors import ImageError
from desktop.ingest.decode import decode_image

DEFAULT_SIZE = 256
JPEG_QUALITY = 85
SUFFIX = ".jpg"
DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB: tens of thousands of grid thumbnails, small beside the photos
#: A thumbnail read again after this long is marked as used. Not on every read: the grid asks for the same
#: thumbnails on every scroll, and prune only needs to tell this week's from last month's.
USE_MARK_SECONDS = 3600.0


class ThumbnailCache:
    def __init__(self, directory: str | os.PathLike[str], *, quality: int = JPEG_QUALITY) -> None:
        self.directory = Path(directory)
        self.quality = quality

    def location(self, path: str | os.PathLike[str], size: int = DEFAULT_SIZE) -> Path:
        """Where the thumbnail of ``path`` as it is now would be stored. Raises ``OSError`` if the photo
        cannot be looked at (gone, unreadable folder)."""
        full = os.path.abspath(os.fspath(path))
        st = os.stat(full)
        key = hashlib.sha1(
            f"{full}\0{size}\0{st.st_mtime_ns}\0{st.st_size}".encode("utf-8", "surrogatepass"),
            usedforsecurity=False,
        ).hexdigest()
        return self.directory / str(size) / key[:2] / f"{key}{SUFFIX}"

    def cached(self, path: str | os.PathLike[str], size: int = DEFAULT_SIZE) -> Path | None:
        """The thumbnail file if it is already made, else None (also None when the photo is gone)."""
        try:
            target = self.location(path, size)
        except OSError:
            return None
        return target if target.is_file() else None

    def get(self, path: str | os.PathLike[str], size: int = DEFAULT_SIZE) -> Path:
        """The thumbnail file of ``path``, made now if needed. Raises ``ImageError`` when the photo
        cannot be read or decoded, with the reason to show."""
        try:
            target = self.location(path, size)
        except OSError as exc:
            raise ImageError(f"cannot read {os.fspath(path)}: {exc.strerror or exc}") from None
        with contextlib.suppress(OSError):
            _mark_used(target)
            return target
        picture = make_thumbnail(path, size)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=SUFFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                picture.save(f, "JPEG", quality=self.quality, optimize=False)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return target

    def size_on_disk(self) -> int:
        return sum(p.stat().st_size for p in self._files())

    def prune(self, max_bytes: int, cancel: threading.Event | None = None) -> int:
        """Delete the least recently used thumbnails until the cache holds at most ``max_bytes``.

        Returns how many files were removed. Safe while thumbnails are being made and read: one used
        after the scan began is kept (the grid may be about to show it). Stops early when ``cancel``
        is set; what was removed stays removed.
        """
        began = time.time()
        entries = []
        for p in self._files():
            with contextlib.suppress(OSError):
                st = p.stat()
                entries.append((_last_used(st), st.st_size, p))
        total = sum(e[1] for e in entries)
        removed = 0
        for _, nbytes, p in sorted(entries):
            if total <= max_bytes or (cancel is not None and cancel.is_set()):
                break
            with contextlib.suppress(OSError):
                if _last_used(p.stat()) >= began:
                    continue
                p.unlink()
                total -= nbytes
                removed += 1
        return removed

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return [p for p in self.directory.glob(f"*/*/*{SUFFIX}") if not p.name.startswith(".tmp-")]


def _last_used(st: os.stat_result) -> float:
    return max(st.st_atime, st.st_mtime)


def _mark_used(target: Path) -> None:
    """Record a read in the file's access time; raises ``OSError`` when there is no such file.

    Set explicitly because the file system's own access times cannot be relied on: ``relatime`` (the
    Linux default) updates them at most once a day and ``noatime`` never.
    """
    st = target.stat()
    now = time.time()
    if now - _last_used(st) > USE_MARK_SECONDS:
        with contextlib.suppress(OSError):  # a read-only cache still serves its thumbnails
            os.utime(target, ns=(time.time_ns(), st.st_mtime_ns))


def make_thumbnail(path: str | os.PathLike[str], size: int = DEFAULT_SIZE) -> Image.Image:
    """An upright RGB picture of ``path`` that fits in ``size`` × ``size``. Raises ``ImageError``."""
    picture = decode_image(path, target_size=size).image
    picture.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return picture if picture.mode == "RGB" else picture.convert("RGB")
