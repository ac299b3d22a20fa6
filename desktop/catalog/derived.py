"""Values the catalog derives from what it stores: a photo's kind and its effective capture time."""

from __future__ import annotations

import datetime as dt
import os

#: Decoder format names (``desktop.ingest.decode``) -> the kinds users filter on.
KIND_OF_FORMAT = {
    "JPEG": "jpeg",
    "MPO": "jpeg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "BMP": "bmp",
    "TIFF": "tiff",
    "HEIF": "heic",
    "AVIF": "avif",
}
KINDS = frozenset(KIND_OF_FORMAT.values())

_KIND_OF_EXTENSION = {
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".jpe": "jpeg",
    ".jfif": "jpeg",
    ".png": "png",
    ".webp": "webp",
    ".gif": "gif",
    ".bmp": "bmp",
    ".dib": "bmp",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".heic": "heic",
    ".heif": "heic",
    ".hif": "heic",
    ".avif": "avif",
}


def kind_from_format(fmt: str | None) -> str | None:
    return KIND_OF_FORMAT.get((fmt or "").upper())


def kind_from_path(path: str) -> str | None:
    """The kind an extension promises (used when the decoder has not said: moved or copied rows)."""
    return _KIND_OF_EXTENSION.get(os.path.splitext(path)[1].lower())


def file_time(mtime_ns: int) -> str:
    """A modification time as local ``YYYY-MM-DDTHH:MM:SS`` (EXIF times are local camera times too)."""
    try:
        return dt.datetime.fromtimestamp(mtime_ns / 1e9).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):  # a nonsense mtime must not stop indexing
        return "1970-01-01T00:00:00"


def captured_at(taken_at: str | None, mtime_ns: int) -> str:
    """The effective capture time: EXIF when known, else the file's time."""
    return taken_at[:19] if taken_at else file_time(mtime_ns)
