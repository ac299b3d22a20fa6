"""Decoding one image file into an upright RGB picture for the encoders.

Every failure becomes ``ImageError`` with a short reason for people ("truncated or corrupt",
"too large: 30000×30000 pixels ...") and the technical detail in ``hint``. Indexing records the
reason and moves on; no other exception type escapes.

Speed: with ``target_size`` set, JPEG is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain and
HEIF from an embedded thumbnail when one is big enough (``Image.draft``). Other formats decode in
full and are then box-reduced so that memory held per picture stays small.

Safety: the format is taken from the content and limited to the formats below; images over
``MAX_PIXELS`` are refused from their header, before any pixel is decoded; truncated files are
failures (``ImageFile.LOAD_TRUNCATED_IMAGES`` is left off); the file is closed on every path.

What Pillow only warns about (corrupt EXIF, a malformed MPO header) does not lose the picture: it comes
back in ``Decoded.note``, and nothing is printed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, TextIO, cast

from PIL import Image, ImageFile, UnidentifiedImageError

from desktop.errors import ImageError
from desktop.ingest.scan import SNIFF_BYTES, sniff_format

#: Largest picture decoded, in pixels. Also Pillow's own limit for the whole process.
MAX_PIXELS = 180_000_000
#: What transparent areas become.
BACKGROUND = (255, 255, 255)

_WANTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", "AVIF")
_DISPLAY_FORMAT = {"MPO": "JPEG"}  # multi-picture JPEG from cameras and phones is still a JPEG

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769
_DATE_TAGS = (0x9003, 0x9004)  # DateTimeOriginal, then DateTimeDigitized
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS = frozenset({5, 6, 7, 8})


@dataclass
class Decoded:
    """An upright RGB picture, possibly reduced, with facts about the original file."""

    image: Image.Image
    width: int  # of the full-size original, after orientation
    height: int
    taken_at: str | None  # EXIF capture time as "YYYY-MM-DDTHH:MM:SS" (local camera time)
    format: str  # JPEG, PNG, WEBP, GIF, BMP, TIFF, HEIF or AVIF
    note: str | None = None  # what Pillow warned about while reading it ("Corrupt EXIF data ..."), if anything


def decode_image(path: str | os.PathLike[str], *, target_size: int | None = None) -> Decoded:
    """Read ``path`` as an RGB picture; raises ``ImageError`` and nothing else on failure.

    With ``target_size``, the picture may come back reduced, but its short side stays at least
    ``target_size`` (or the original's, if that is smaller). ``width``/``height`` always describe
    the original.
    """
    try:
        with _warnings_noted() as noted:
            decoded = _decode(os.fspath(path), target_size)
        decoded.note = _note(noted)
        return decoded
    except ImageError:
        raise
    except MemoryError:
        raise ImageError("not enough memory to decode") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(_too_large(), hint=str(exc)) from None
    except Exception as exc:  # a safety net: every known failure is mapped where it happens
        raise ImageError("unreadable image", hint=_detail(exc)) from None


@functools.cache
def supported_formats() -> tuple[str, ...]:
    """Pillow format names this installation can decode (HEIF needs pillow-heif)."""
    try:
        import pillow_heif
    except ImportError:
        pass
    else:
        pillow_heif.register_heif_opener(thumbnails=True, depth_images=False, aux_images=False)
    Image.init()
    return tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)


# Pillow reports damage it can read past (corrupt EXIF, a malformed MPO header) with ``warnings.warn``,
# which prints to stderr. Decoding runs on several worker threads at once, and ``warnings.catch_warnings``
# swaps process-wide state (``showwarning``, the filters) on enter and puts it back on exit, so two threads
# inside it would record each other's warnings and restore each other's state. Instead one
# ``showwarning``, installed once, hands a warning to the list of the thread that raised it when that
# thread is decoding, and passes every other warning on unchanged. Pillow's warnings are also set to
# "always": under Python's default of once per message and line, a second file with the same damage
# would never reach ``showwarning`` and would get no note.
_noting = threading.local()
_install_lock = threading.Lock()
_passed_on = warnings.showwarning
_PIL_MODULES = r"PIL\."  # where Pillow's warnings come from (``warnings.warn`` from its own modules)
_NOTE_CHARS = 500


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    noted: list[str] | None = getattr(_noting, "messages", None)
    if noted is None:
        _passed_on(message, category, filename, lineno, file, line)
    else:
        noted.append(" ".join(str(message).split()))


def _install_warning_hook() -> None:
    """Put the hook and the filter (back) in place; cheap when they are there.

    Checked on every decode rather than once at import: code that enters ``warnings.catch_warnings``
    (pytest does around every test) restores the state it found when it leaves.
    """
    global _passed_on
    if warnings.showwarning is _show_warning and _has_filter():
        return
    with _install_lock:
        if warnings.showwarning is not _show_warning:
            _passed_on = warnings.showwarning
            warnings.showwarning = _show_warning
        if not _has_filter():
            # In front, so that a global "error" filter (``-W error``) does not turn damage that Pillow
            # reads past into a failed file.
            warnings.filterwarnings("always", category=UserWarning, module=_PIL_MODULES)


def _has_filter() -> bool:
    return any(
        action == "always" and category is UserWarning and module is not None and module.pattern == _PIL_MODULES
        for action, _message, category, module, _line in warnings.filters
    )


@contextlib.contextmanager
def _warnings_noted() -> Iterator[list[str]]:
    _install_warning_hook()
    noted: list[str] = []
    outer = getattr(_noting, "messages", None)
    _noting.messages = noted
    try:
        yield noted
    finally:
        _noting.messages = outer


def _note(noted: list[str]) -> str | None:
    """The distinct warnings, in order, in one line of bounded length."""
    text = "; ".join(dict.fromkeys(noted))
    return text[: _NOTE_CHARS - 1] + "…" if len(text) > _NOTE_CHARS else text or None


def _decode(path: str, target_size: int | None) -> Decoded:
    _check_file(path)
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the with block just below
    except OSError as exc:
        raise ImageError(_os_reason(exc), hint=_detail(exc)) from None
    with f:
        head = f.read(SNIFF_BYTES)
        f.seek(0)
        img = _open(f, head)
        width, height = img.size
        _check_dimensions(width, height)
        _load(img, target_size)
        orientation, taken_at = _read_exif(img)
        picture = _to_rgb(_shrink(_unpalette(img), target_size))
        if orientation in _TRANSPOSE:
            picture = picture.transpose(_TRANSPOSE[orientation])
        if picture is img:  # still tied to the file object: detach it
            picture = img.copy()
    if orientation in _SIDEWAYS:
        width, height = height, width
    fmt = img.format or "unknown"
    return Decoded(picture, width, height, taken_at, _DISPLAY_FORMAT.get(fmt, fmt))


def _check_file(path: str) -> None:
    """Refuse what is not a non-empty regular file before opening it (a FIFO would block)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ImageError(_os_reason(exc), hint=_detail(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageError("is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise ImageError("not a regular file")
    if st.st_size == 0:
        raise ImageError("empty file")


def _open(f: BinaryIO, head: bytes) -> ImageFile.ImageFile:
    formats = supported_formats()
    try:
        return Image.open(f, formats=formats)
    except UnidentifiedImageError as exc:
        raise ImageError(_unidentified_reason(head, formats), hint=_detail(exc)) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(_too_large(), hint=str(exc)) from None
    except MemoryError:
        raise
    except Exception as exc:
        fmt = sniff_format(head)
        raise ImageError(f"damaged {fmt or 'image'} header", hint=_detail(exc)) from None


def _check_dimensions(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageError(f"invalid dimensions {width}×{height}")
    if width * height > MAX_PIXELS:
        raise ImageError(_too_large(width, height))


def _load(img: ImageFile.ImageFile, target_size: int | None) -> None:
    """Decode the first frame, at reduced scale where the format allows it."""
    try:
        if target_size:
            # JPEG picks the largest 1/2^k scale keeping both sides >= target; HEIF picks the
            # smallest embedded thumbnail that does. Other formats ignore this.
            img.draft("RGB", (target_size, target_size))
        img.load()
    except (MemoryError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise
    except Exception as exc:
        raise ImageError("truncated or corrupt", hint=_detail(exc)) from None


def _read_exif(img: Image.Image) -> tuple[int, str | None]:
    """Orientation (1 when absent or invalid) and capture time. Broken EXIF is ignored."""
    try:
        exif = img.getexif()
        orientation = exif.get(_ORIENTATION, 1)
        sub = exif.get_ifd(_EXIF_IFD)
        dates = [sub.get(tag) for tag in _DATE_TAGS]
    except Exception:  # EXIF is optional: a broken block must not lose the picture
        return 1, None
    if not isinstance(orientation, int):
        orientation = 1
    return orientation, next((d for d in map(_exif_date, dates) if d), None)


def _exif_date(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    text = value.strip("\x00 ")[:19]
    try:
        when = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return when.isoformat()


def _unpalette(img: Image.Image) -> Image.Image:
    """Modes that cannot be averaged (palette, 1-bit, 16-bit) to ones that can."""
    if img.mode in ("P", "PA") or "transparency" in img.info:
        return img.convert("RGBA" if img.mode == "PA" or "transparency" in img.info else "RGB")
    if img.mode == "1":
        return img.convert("L")
    if img.mode.startswith("I;16"):
        return img.convert("I")
    return img


def _shrink(img: Image.Image, target_size: int | None) -> Image.Image:
    """Box-reduce by an integer factor while the short side stays >= 2 × target."""
    if not target_size:
        return img
    factor = min(img.size) // (2 * target_size)
    return img.reduce(factor) if factor >= 2 else img


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("I", "F"):
        return _to_8bit(img).convert("RGB")
    if img.mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*BACKGROUND, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def _to_8bit(img: Image.Image) -> Image.Image:
    """32-bit integer or float samples to 0..255: 16-bit data scaled, anything else stretched."""
    low, high = cast("tuple[float, float]", img.getextrema())  # one band: (min, max)
    if low >= 0 and high <= 255:
        scale, offset = 1.0, 0.0
    elif low >= 0 and high <= 65535:
        scale, offset = 1 / 257, 0.0
    else:
        scale = 255 / (high - low) if high > low else 1.0
        offset = -low * scale
    return img.point(lambda v: v * scale + offset).convert("L")


def _unidentified_reason(head: bytes, formats: tuple[str, ...]) -> str:
    fmt = sniff_format(head)
    if fmt is not None:
        if fmt not in formats:
            return f"{fmt} images are not supported by this installation"
        return f"damaged {fmt} header"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta")):
        return "not an image (HTML page)"
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "not an image (XML or SVG)"
    if _looks_like_text(head):
        return "not an image (text file)"
    return "not a supported image (unrecognised content)"


def _looks_like_text(head: bytes) -> bool:
    """No control characters other than tab and line breaks (bytes >= 0x80 may be UTF-8)."""
    controls = set(range(0x20)) - {0x09, 0x0A, 0x0D} | {0x7F}
    return bool(head) and not controls.intersection(head)


def _too_large(width: int | None = None, height: int | None = None) -> str:
    limit = f"limit {MAX_PIXELS // 1_000_000} megapixels"
    if width is None or height is None:
        return f"too large ({limit})"
    return f"too large: {width}×{height} pixels ({limit})"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    return f"cannot read file ({(exc.strerror or type(exc).__name__).lower()})"


def _detail(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
