"""Broken and hostile files, generated on demand in a test's tmp_path.

Each builder takes a folder, writes one file there and returns its path. ``BROKEN`` maps a case
name to its builder and a fragment of the reason ``decode_image`` must give. ``SURVIVABLE`` holds
files that are odd but still a picture: they must decode. Nothing large is written: the
decompression bombs only *declare* huge sizes.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image

Builder = Callable[[Path], Path]


# -- valid material to break ---------------------------------------------------------------------


def noisy_image(size: tuple[int, int] = (160, 120), seed: int = 0) -> Image.Image:
    """Random pixels: compresses badly, so truncating the file cuts real image data."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def encoded(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def png_chunk(kind: bytes, data: bytes, *, crc: int | None = None) -> bytes:
    if crc is None:
        crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc & 0xFFFFFFFF)


def crafted_png(width: int, height: int, *, bit_depth: int = 1, color_type: int = 0) -> bytes:
    """A PNG header declaring any size, with a tiny IDAT: nothing is ever allocated to write it."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def crafted_bmp(width: int, height: int) -> bytes:
    """A BMP header (BITMAPINFOHEADER, 24 bit) declaring any size, followed by a few pixels."""
    pixels = b"\x00" * 48
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    header = struct.pack("<2sIHHI", b"BM", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    return header + info + pixels


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _cut(data: bytes, fraction: float) -> bytes:
    return data[: int(len(data) * fraction)]


# -- files that must fail ------------------------------------------------------------------------


def zero_bytes(folder: Path) -> Path:
    return _write(folder, "empty.jpg", b"")


def random_bytes(folder: Path) -> Path:
    return _write(folder, "random.jpg", b"\x00\x01" + random.Random(7).randbytes(4094))


def truncated_jpeg(folder: Path) -> Path:
    return _write(folder, "truncated.jpg", _cut(encoded(noisy_image(), "JPEG", quality=90), 0.6))


def truncated_png(folder: Path) -> Path:
    return _write(folder, "truncated.png", _cut(encoded(noisy_image(), "PNG"), 0.6))


def png_bad_crc(folder: Path) -> Path:
    data = bytearray(encoded(noisy_image((16, 16)), "PNG"))
    data[29] ^= 0xFF  # last byte of the IHDR chunk's CRC (8 signature + 8 + 13 data + 4 CRC)
    return _write(folder, "bad_crc.png", bytes(data))


def png_corrupt_idat(folder: Path) -> Path:
    """Valid chunks and CRCs around image data that is not a zlib stream."""
    ihdr = struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0)
    idat = random.Random(3).randbytes(600)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
    return _write(folder, "bad_zlib.png", data + png_chunk(b"IEND", b""))


def png_huge_chunk_length(folder: Path) -> Path:
    """A chunk that claims 2 GiB: a reader that trusts it would try to allocate it."""
    good = encoded(noisy_image((16, 16)), "PNG")
    ihdr_end = 8 + 25
    evil = struct.pack(">I", 0x7FFFFFF0) + b"tEXt" + b"Comment\x00hi"
    return _write(folder, "huge_chunk.png", good[:ihdr_end] + evil + good[ihdr_end:])


def png_zero_size(folder: Path) -> Path:
    return _write(folder, "zero_size.png", crafted_png(0, 0))


def jpeg_header_only(folder: Path) -> Path:
    """Every marker up to the start of scan, but no compressed data."""
    data = encoded(noisy_image((64, 48)), "JPEG")
    return _write(folder, "header_only.jpg", data[: data.index(b"\xff\xda")])


def jpeg_soi_only(folder: Path) -> Path:
    return _write(folder, "soi_only.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")


def bomb_png(folder: Path) -> Path:
    """30000×30000 (900 MP) declared in 67 bytes: beyond Pillow's own hard limit."""
    return _write(folder, "bomb.png", crafted_png(30000, 30000))


def bomb_png_moderate(folder: Path) -> Path:
    """15000×15000 (225 MP): over our limit but under twice Pillow's, where it only warns."""
    return _write(folder, "bomb_moderate.png", crafted_png(15000, 15000))


def bmp_absurd_dimensions(folder: Path) -> Path:
    return _write(folder, "absurd.bmp", crafted_bmp(2_000_000_000, 2_000_000_000))


def bmp_truncated_pixels(folder: Path) -> Path:
    """A sane 4000×10 header with a few bytes of pixels."""
    return _write(folder, "short.bmp", crafted_bmp(4000, 10))


def text_as_png(folder: Path) -> Path:
    return _write(folder, "notes.png", b"Shopping list:\n- milk\n- eggs\n" * 20)


def html_as_jpg(folder: Path) -> Path:
    page = b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body></body></html>\n"
    return _write(folder, "download.jpg", page)


def svg_as_jpg(folder: Path) -> Path:
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    return _write(folder, "vector.jpg", svg)


def ppm_as_jpg(folder: Path) -> Path:
    """A real image, in a format outside the supported list."""
    return _write(folder, "netpbm.jpg", encoded(noisy_image((8, 8)), "PPM"))


def gif_no_frames(folder: Path) -> Path:
    """Header, logical screen and global palette, then the trailer: no image at all."""
    screen = struct.pack("<HHBBB", 10, 10, 0x80, 0, 0) + b"\x00" * 6
    return _write(folder, "no_frames.gif", b"GIF89a" + screen + b"\x3b")


def gif_garbage_after_header(folder: Path) -> Path:
    screen = struct.pack("<HHBBB", 10, 10, 0x80, 0, 0) + b"\x00" * 6
    return _write(folder, "garbage.gif", b"GIF89a" + screen + random.Random(5).randbytes(200))


def gif_truncated(folder: Path) -> Path:
    return _write(folder, "truncated.gif", _cut(encoded(noisy_image(), "GIF"), 0.5))


def tiff_bad_ifd_offset(folder: Path) -> Path:
    """The first IFD is said to be 4 GB into a 64-byte file."""
    return _write(folder, "bad_ifd.tif", b"II*\x00" + struct.pack("<I", 0xFFFFFF00) + b"\x00" * 56)


def tiff_truncated(folder: Path) -> Path:
    """Pillow writes the IFD after the strips, so the cut loses the directory."""
    return _write(folder, "truncated.tif", _cut(encoded(noisy_image(), "TIFF", compression="tiff_lzw"), 0.5))


def webp_bad_riff_size(folder: Path) -> Path:
    """The RIFF header claims far more data than the file holds, and the payload is cut short."""
    data = bytearray(_cut(encoded(noisy_image(), "WEBP", quality=80), 0.7))
    data[4:8] = struct.pack("<I", 0xFFFFFFF0)
    return _write(folder, "bad_riff.webp", bytes(data))


def webp_garbage_payload(folder: Path) -> Path:
    body = b"WEBPVP8 " + struct.pack("<I", 200) + random.Random(9).randbytes(200)
    return _write(folder, "garbage.webp", b"RIFF" + struct.pack("<I", len(body)) + body)


def heic_garbage_ftyp(folder: Path) -> Path:
    """An ISO-BMFF box with an unknown brand and noise after it."""
    box = struct.pack(">I", 24) + b"ftyp" + b"zzzz" + b"\x00\x00\x00\x00" + b"zzzzqqqq"
    return _write(folder, "garbage.heic", box + random.Random(11).randbytes(500))


def heic_brand_then_garbage(folder: Path) -> Path:
    """A believable HEIC ftyp box followed by noise instead of meta/mdat boxes."""
    box = struct.pack(">I", 24) + b"ftyp" + b"heic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return _write(folder, "noise.heic", box + random.Random(13).randbytes(500))


def folder_named_jpg(folder: Path) -> Path:
    path = folder / "photo.jpg"
    path.mkdir()
    return path


def fifo_named_jpg(folder: Path) -> Path:
    path = folder / "pipe.jpg"
    os.mkfifo(path)
    return path


def broken_symlink(folder: Path) -> Path:
    path = folder / "gone.jpg"
    path.symlink_to(folder / "does-not-exist.jpg")
    return path


def self_symlink(folder: Path) -> Path:
    path = folder / "loop.jpg"
    path.symlink_to(path)
    return path


def missing_file(folder: Path) -> Path:
    return folder / "never-written.jpg"


#: name -> (builder, a fragment of the reason decode_image must give)
BROKEN: dict[str, tuple[Builder, str]] = {
    "zero_bytes": (zero_bytes, "empty file"),
    "random_bytes": (random_bytes, "unrecognised content"),
    "truncated_jpeg": (truncated_jpeg, "truncated or corrupt"),
    "truncated_png": (truncated_png, "truncated or corrupt"),
    "png_bad_crc": (png_bad_crc, "damaged PNG header"),
    "png_corrupt_idat": (png_corrupt_idat, "truncated or corrupt"),
    "png_huge_chunk_length": (png_huge_chunk_length, "PNG"),
    "png_zero_size": (png_zero_size, "PNG"),
    "jpeg_header_only": (jpeg_header_only, "truncated or corrupt"),
    "jpeg_soi_only": (jpeg_soi_only, "JPEG"),
    "bomb_png": (bomb_png, "too large"),
    "bomb_png_moderate": (bomb_png_moderate, "too large"),
    "bmp_absurd_dimensions": (bmp_absurd_dimensions, "too large"),
    "bmp_truncated_pixels": (bmp_truncated_pixels, "truncated or corrupt"),
    "text_as_png": (text_as_png, "text file"),
    "html_as_jpg": (html_as_jpg, "HTML"),
    "svg_as_jpg": (svg_as_jpg, "SVG"),
    "ppm_as_jpg": (ppm_as_jpg, "unrecognised content"),
    "gif_no_frames": (gif_no_frames, "GIF"),
    "gif_garbage_after_header": (gif_garbage_after_header, "GIF"),
    "gif_truncated": (gif_truncated, "truncated or corrupt"),
    "tiff_bad_ifd_offset": (tiff_bad_ifd_offset, "TIFF"),
    "tiff_truncated": (tiff_truncated, "TIFF"),
    "webp_bad_riff_size": (webp_bad_riff_size, "WEBP"),
    "webp_garbage_payload": (webp_garbage_payload, "WEBP"),
    "heic_garbage_ftyp": (heic_garbage_ftyp, "unrecognised content"),
    "heic_brand_then_garbage": (heic_brand_then_garbage, "HEIF"),
    "folder_named_jpg": (folder_named_jpg, "folder"),
    "fifo_named_jpg": (fifo_named_jpg, "not a regular file"),
    "broken_symlink": (broken_symlink, "not found"),
    "self_symlink": (self_symlink, "cannot read file"),
    "missing_file": (missing_file, "not found"),
}


# -- odd files that must still decode ------------------------------------------------------------


def jpeg_huge_icc(folder: Path) -> Path:
    """A 3 MB (random, meaningless) ICC profile spread over ~50 APP2 segments."""
    icc = random.Random(17).randbytes(3 * 1024 * 1024)
    return _write(folder, "huge_icc.jpg", encoded(noisy_image((64, 48)), "JPEG", icc_profile=icc))


def jpeg_huge_exif(folder: Path) -> Path:
    """An EXIF block close to the 64 KiB segment limit, most of it a maker note."""
    exif = Image.Exif()
    exif[0x010F] = "Camera"
    exif.get_ifd(0x8769)[0x927C] = random.Random(19).randbytes(60_000)  # MakerNote
    return _write(folder, "huge_exif.jpg", encoded(noisy_image((64, 48)), "JPEG", exif=exif))


def jpeg_garbage_exif(folder: Path) -> Path:
    """An APP1 segment that says Exif but holds noise."""
    return _write(
        folder,
        "garbage_exif.jpg",
        encoded(noisy_image((64, 48)), "JPEG", exif=b"Exif\x00\x00" + random.Random(23).randbytes(300)),
    )


def jpeg_truncated_exif(folder: Path, name: str = "truncated_exif.jpg") -> Path:
    """An EXIF block cut short: its description's value and the next-IFD pointer lie past its end.

    Pillow reads past it with "Corrupt EXIF data" warnings, which is what cameras and editors with
    buggy writers leave in real libraries.
    """
    exif = Image.Exif()
    exif[0x010E] = "a description too long to fit in its IFD entry, so it lies after the IFD"
    exif[0x0112] = 1
    whole = exif.tobytes()
    return _write(folder, name, encoded(noisy_image((64, 48)), "JPEG", exif=whole[:40]))


def jpeg_orientation(value: int, name: str) -> Builder:
    def build(folder: Path) -> Path:
        exif = Image.Exif()
        exif[0x0112] = value
        return _write(folder, name, encoded(noisy_image((64, 48)), "JPEG", exif=exif))

    return build


def jpeg_bad_date(folder: Path) -> Path:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "0000:00:00 00:00:00"
    return _write(folder, "bad_date.jpg", encoded(noisy_image((64, 48)), "JPEG", exif=exif))


#: name -> builder; the size of each picture is 64×48 and it must decode as such.
SURVIVABLE: dict[str, Builder] = {
    "jpeg_huge_icc": jpeg_huge_icc,
    "jpeg_huge_exif": jpeg_huge_exif,
    "jpeg_garbage_exif": jpeg_garbage_exif,
    "jpeg_truncated_exif": jpeg_truncated_exif,
    "jpeg_orientation_9": jpeg_orientation(9, "orient9.jpg"),
    "jpeg_orientation_0": jpeg_orientation(0, "orient0.jpg"),
    "jpeg_orientation_65535": jpeg_orientation(65535, "orient65535.jpg"),
    "jpeg_bad_date": jpeg_bad_date,
}
