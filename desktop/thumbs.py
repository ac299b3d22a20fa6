"""A disk cache of thumbnails, so the results grid never decodes a full photo twice.

A thumbnail is a JPEG that fits in ``size`` × ``size`` pixels, keeps the photo's aspect ratio and is
upright (EXIF orientation applied by the decoder). Its file name is a hash of the photo's absolute
path, the size, and the photo's modification time and length: an edited photo gets a new thumbnail,
and stale ones are simply never asked for again (:meth:`ThumbnailCache.prune` removes them when the
cache grows past a budget). Files are written to a temporary name and renamed into place, so a
reader never sees half a thumbnail and two threads making the same one do not collide.

Safe to use from many threads at once. Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from PIL import Image

from desktop.errors import ImageError
from desktop.ingest.decode import decode_image

DEFAULT_SIZE = 256
JPEG_QUALITY = 85
SUFFIX = ".jpg"


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
        if target.is_file():
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

    def prune(self, max_bytes: int) -> int:
        """Delete the least recently used thumbnails until the cache holds at most ``max_bytes``.
        Returns how many files were removed."""
        entries = []
        for p in self._files():
            with contextlib.suppress(OSError):
                st = p.stat()
                entries.append((max(st.st_atime, st.st_mtime), st.st_size, p))
        total = sum(e[1] for e in entries)
        removed = 0
        for _, nbytes, p in sorted(entries):
            if total <= max_bytes:
                break
            with contextlib.suppress(OSError):
                p.unlink()
                total -= nbytes
                removed += 1
        return removed

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return [p for p in self.directory.glob(f"*/*/*{SUFFIX}") if not p.name.startswith(".tmp-")]


def make_thumbnail(path: str | os.PathLike[str], size: int = DEFAULT_SIZE) -> Image.Image:
    """An upright RGB picture of ``path`` that fits in ``size`` × ``size``. Raises ``ImageError``."""
    picture = decode_image(path, target_size=size).image
    picture.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return picture if picture.mode == "RGB" else picture.convert("RGB")
