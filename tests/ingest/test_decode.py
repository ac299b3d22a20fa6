"""decode_image on valid pictures: formats, modes, orientation, dates, reduced decoding."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageOps

from desktop.errors import ImageError
from desktop.ingest import decode
from desktop.ingest.decode import BACKGROUND, decode_image, supported_formats
from tests.ingest.hostile import noisy_image

RED, BLUE = (220, 20, 20), (20, 20, 220)


def _halves(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """Left half red, right half blue."""
    img = Image.new("RGB", size, BLUE)
    img.paste(RED, (0, 0, size[0] // 2, size[1]))
    return img


def _save(img: Image.Image, path: Path, fmt: str, **params: Any) -> Path:
    img.save(path, fmt, **params)
    return path


def _close(pixel: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


@pytest.mark.parametrize(
    ("fmt", "ext", "params"),
    [
        ("JPEG", "jpg", {"quality": 95}),
        ("PNG", "png", {}),
        ("WEBP", "webp", {"lossless": True}),
        ("GIF", "gif", {}),
        ("BMP", "bmp", {}),
        ("TIFF", "tif", {}),
        ("HEIF", "heic", {"quality": 90}),
        ("AVIF", "avif", {"quality": 90}),
    ],
)
def test_every_supported_format_decodes(fmt: str, ext: str, params: dict[str, Any], tmp_path: Path) -> None:
    if fmt not in supported_formats():
        pytest.skip(f"no {fmt} decoder installed")
    path = tmp_path / f"picture.{ext}"
    try:
        _save(_halves((64, 32)), path, fmt, **params)
    except (OSError, KeyError, ValueError) as exc:
        pytest.skip(f"cannot write {fmt} here: {exc}")

    result = decode_image(path)

    assert result.format == fmt
    assert (result.width, result.height) == (64, 32) == result.image.size
    assert result.image.mode == "RGB"
    assert _close(result.image.getpixel((4, 16)), RED)
    assert _close(result.image.getpixel((60, 16)), BLUE)


def test_format_comes_from_content_not_name(tmp_path: Path) -> None:
    path = _save(_halves(), tmp_path / "actually_png.jpg", "PNG")
    assert decode_image(path).format == "PNG"


def test_orientation_6_rotates_and_swaps_size(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    path = _save(_halves((40, 20)), tmp_path / "rotated.jpg", "JPEG", exif=exif, quality=95)

    result = decode_image(path)

    assert (result.width, result.height) == (20, 40) == result.image.size
    assert _close(result.image.getpixel((10, 5)), RED)  # the left side is now on top
    assert _close(result.image.getpixel((10, 35)), BLUE)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_pillow(orientation: int, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = _save(noisy_image((24, 16)), tmp_path / "o.png", "PNG", exif=exif)

    result = decode_image(path)

    with Image.open(path) as reference:
        expected = ImageOps.exif_transpose(reference).convert("RGB")
    assert np.array_equal(np.asarray(result.image), np.asarray(expected))
    assert (result.width, result.height) == expected.size


def test_capture_time_is_read(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2021:07:04 12:34:56"
    path = _save(_halves(), tmp_path / "dated.jpg", "JPEG", exif=exif)
    assert decode_image(path).taken_at == "2021-07-04T12:34:56"


def test_digitized_time_is_the_fallback(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9004] = "2019:01:02 03:04:05\x00"
    path = _save(_halves(), tmp_path / "scanned.jpg", "JPEG", exif=exif)
    assert decode_image(path).taken_at == "2019-01-02T03:04:05"


def test_no_exif_means_no_time(tmp_path: Path) -> None:
    assert decode_image(_save(_halves(), tmp_path / "plain.png", "PNG")).taken_at is None


def _gradient(size: tuple[int, int]) -> Image.Image:
    return Image.linear_gradient("L").resize(size).convert("RGB")


def test_draft_decodes_jpeg_smaller_but_not_too_small(tmp_path: Path) -> None:
    path = _save(_gradient((2000, 1500)), tmp_path / "big.jpg", "JPEG")

    result = decode_image(path, target_size=224)

    assert (result.width, result.height) == (2000, 1500)
    assert 224 <= min(result.image.size) < 1500
    assert result.image.size == (500, 375)  # 1/4 scale: 1/8 would make the short side 188


def test_draft_with_orientation(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    path = _save(_gradient((2000, 1500)), tmp_path / "big_rotated.jpg", "JPEG", exif=exif)

    result = decode_image(path, target_size=224)

    assert (result.width, result.height) == (1500, 2000)
    assert result.image.size == (375, 500)


def test_large_png_is_reduced_but_keeps_twice_the_target(tmp_path: Path) -> None:
    path = _save(_gradient((1800, 1200)), tmp_path / "big.png", "PNG", compress_level=1)

    result = decode_image(path, target_size=100)

    assert (result.width, result.height) == (1800, 1200)
    assert 200 <= min(result.image.size) < 400
    w, h = result.image.size
    assert abs(w / h - 1.5) < 0.01


def test_small_image_is_never_enlarged(tmp_path: Path) -> None:
    path = _save(_halves((64, 48)), tmp_path / "small.jpg", "JPEG")
    assert decode_image(path, target_size=224).image.size == (64, 48)


def test_alpha_is_composited_on_the_background(tmp_path: Path) -> None:
    img = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    img.putpixel((0, 0), (10, 200, 10, 255))
    result = decode_image(_save(img, tmp_path / "alpha.png", "PNG")).image
    assert result.getpixel((4, 4)) == BACKGROUND
    assert result.getpixel((0, 0)) == (10, 200, 10)


def test_palette_transparency(tmp_path: Path) -> None:
    img = Image.new("P", (8, 8), 1)
    img.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    img.putpixel((0, 0), 0)
    result = decode_image(_save(img, tmp_path / "transparent.gif", "GIF", transparency=0)).image
    assert result.getpixel((0, 0)) == BACKGROUND
    assert result.getpixel((4, 4)) == (200, 30, 30)


@pytest.mark.parametrize("mode", ["LA", "L", "1", "CMYK"])
def test_other_modes_become_rgb(mode: str, tmp_path: Path) -> None:
    img = Image.new(mode, (16, 8))
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    result = decode_image(_save(img, tmp_path / f"m.{fmt.lower()}", fmt))
    assert result.image.mode == "RGB" and result.image.size == (16, 8)


def _png16(values: list[int]) -> bytes:
    """A 16-bit greyscale PNG, one row."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", len(values), 1, 16, 0, 0, 0, 0)
    raw = b"\x00" + b"".join(struct.pack(">H", v) for v in values)
    sig = b"\x89PNG\r\n\x1a\n"
    return sig + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_sixteen_bit_is_scaled_not_clipped(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    path.write_bytes(_png16([0, 32896, 65535]))
    result = decode_image(path).image
    assert [result.getpixel((x, 0)) for x in range(3)] == [(0, 0, 0), (128, 128, 128), (255, 255, 255)]


def test_animated_gif_gives_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (8, 8), RED), Image.new("RGB", (8, 8), BLUE)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert _close(decode_image(path).image.getpixel((4, 4)), RED, 10)


def test_animated_webp_gives_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (8, 8), RED), Image.new("RGB", (8, 8), BLUE)]
    path = tmp_path / "anim.webp"
    frames[0].save(path, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    result = decode_image(path)
    assert result.format == "WEBP"
    assert _close(result.image.getpixel((4, 4)), RED, 10)


def test_multipage_tiff_gives_first_page(tmp_path: Path) -> None:
    pages = [Image.new("RGB", (8, 8), RED), Image.new("RGB", (16, 16), BLUE)]
    path = tmp_path / "pages.tif"
    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:])
    result = decode_image(path)
    assert result.image.size == (8, 8)
    assert result.image.getpixel((4, 4)) == RED


def test_heic_orientation_is_applied_once(tmp_path: Path) -> None:
    """HEIF rotation lives in the container (irot/imir), applied by libheif; pillow-heif then
    resets EXIF orientation to 1, so the EXIF tag must not rotate the picture a second time."""
    if "HEIF" not in supported_formats():
        pytest.skip("no HEIF decoder installed")
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.heic"
    try:
        _halves((64, 32)).save(path, "HEIF", exif=exif, quality=90)
    except (OSError, KeyError, ValueError) as exc:
        pytest.skip(f"cannot write HEIF here: {exc}")

    result = decode_image(path)

    with Image.open(path) as displayed:
        expected = displayed.convert("RGB")
    assert (result.width, result.height) == expected.size == result.image.size
    assert np.array_equal(np.asarray(result.image), np.asarray(expected))


# -- every path closes the file and raises only ImageError ---------------------------------------


class _Tracker:
    def __init__(self) -> None:
        self.files: list[io.BufferedReader] = []

    def __call__(self, path: str, mode: str = "r") -> io.BufferedReader:
        f = open(path, mode)  # noqa: SIM115 - the caller closes it; the test checks that it did
        self.files.append(f)
        return f


@pytest.mark.parametrize("content", ["good", "truncated", "garbage"])
def test_file_is_closed_on_every_path(content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = io.BytesIO()
    noisy_image((64, 48)).save(data, "JPEG")
    payload = {
        "good": data.getvalue(),
        "truncated": data.getvalue()[:900],
        "garbage": b"\x01" * 900,
    }[content]
    path = tmp_path / "x.jpg"
    path.write_bytes(payload)
    tracker = _Tracker()
    monkeypatch.setattr(decode, "open", tracker, raising=False)

    try:
        decode_image(path, target_size=16)
    except ImageError:
        assert content != "good"

    assert tracker.files and all(f.closed for f in tracker.files)


def test_permission_error_is_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _save(_halves(), tmp_path / "locked.jpg", "JPEG")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(decode, "open", refuse, raising=False)
    with pytest.raises(ImageError, match="permission denied"):
        decode_image(path)


@pytest.mark.parametrize(
    ("step", "error", "reason"),
    [
        ("_to_rgb", MemoryError(), "not enough memory"),
        ("_shrink", struct.error("unpack requires a buffer"), "unreadable image"),
        ("_unpalette", ValueError("bad mode"), "unreadable image"),
        ("_to_rgb", zlib.error("invalid stored block"), "unreadable image"),
        ("_to_rgb", RecursionError(), "unreadable image"),
    ],
)
def test_unexpected_errors_become_image_errors(
    step: str, error: BaseException, reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _save(_halves(), tmp_path / "fine.png", "PNG")

    def fail(*_args: object) -> None:
        raise error

    monkeypatch.setattr(decode, step, fail)
    with pytest.raises(ImageError, match=reason) as caught:
        decode_image(path)
    assert type(caught.value) is ImageError


@pytest.mark.parametrize("error", [MemoryError(), SyntaxError("x"), EOFError(), zlib.error("x")])
def test_open_failures_become_image_errors(
    error: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _save(_halves(), tmp_path / "fine.png", "PNG")

    def fail(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr(decode.Image, "open", fail)
    with pytest.raises(ImageError) as caught:
        decode_image(path)
    assert type(caught.value) is ImageError


def test_multi_picture_jpeg_is_a_jpeg(tmp_path: Path) -> None:
    """Cameras write MPO (a JPEG plus more JPEGs appended); Pillow opens it as "MPO"."""
    path = tmp_path / "camera.jpg"
    frames = [_gradient((1000, 800)), Image.new("RGB", (1000, 800), BLUE)]
    frames[0].save(path, "MPO", save_all=True, append_images=frames[1:])

    result = decode_image(path, target_size=100)

    assert result.format == "JPEG"
    assert (result.width, result.height) == (1000, 800)
    assert result.image.size == (125, 100)  # draft still applies: 1/8 keeps the short side at 100
