"""Broken and hostile files: decode_image gives a reason, never crashes, never hangs."""

from __future__ import annotations

import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import ImageFile

from desktop.errors import ImageError
from desktop.ingest.decode import decode_image
from tests.ingest import hostile


def _build(name: str, builder: hostile.Builder, folder: Path) -> Path:
    if name == "fifo_named_jpg" and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    if "symlink" in name and os.name == "nt":
        pytest.skip("symbolic links need privileges on Windows")
    return builder(folder)


@pytest.mark.parametrize("name", sorted(hostile.BROKEN))
@pytest.mark.parametrize("target_size", [None, 224])
def test_broken_file_gives_reason(name: str, target_size: int | None, tmp_path: Path) -> None:
    builder, expected = hostile.BROKEN[name]
    path = _build(name, builder, tmp_path)
    before = sorted(os.listdir(tmp_path))

    with pytest.raises(ImageError) as caught:
        decode_image(path, target_size=target_size)

    assert type(caught.value) is ImageError
    assert expected in caught.value.message
    assert "\n" not in caught.value.message and len(caught.value.message) < 80
    assert sorted(os.listdir(tmp_path)) == before  # nothing written, nothing removed


def test_at_least_fifteen_kinds_of_broken_file() -> None:
    assert len(hostile.BROKEN) >= 15


@pytest.mark.parametrize("name", sorted(hostile.SURVIVABLE))
def test_odd_but_valid_file_decodes(name: str, tmp_path: Path) -> None:
    path = hostile.SURVIVABLE[name](tmp_path)

    result = decode_image(path, target_size=32)

    assert (result.width, result.height) == (64, 48)
    assert result.image.mode == "RGB" and result.image.size == (64, 48)
    assert result.format == "JPEG"
    assert result.taken_at is None


def test_corrupt_exif_becomes_the_note_of_a_picture_that_still_decodes(tmp_path: Path) -> None:
    damaged = decode_image(hostile.jpeg_truncated_exif(tmp_path), target_size=32)
    clean = decode_image(hostile.jpeg_orientation(1, "clean.jpg")(tmp_path), target_size=32)

    assert damaged.image.size == (64, 48)
    assert damaged.note is not None and "Corrupt EXIF data" in damaged.note
    assert "\n" not in damaged.note
    assert clean.note is None


def test_each_file_gets_its_own_warnings_when_decoded_on_many_threads(tmp_path: Path) -> None:
    """Identical damage in many files is noted every time, and never on the clean files decoded
    beside them on other threads."""
    damaged = [hostile.jpeg_truncated_exif(tmp_path, f"damaged{i}.jpg") for i in range(6)]
    clean = [hostile.jpeg_orientation(1, f"clean{i}.jpg")(tmp_path) for i in range(6)]
    paths = [p for pair in zip(damaged, clean, strict=True) for p in pair] * 4
    start = threading.Barrier(4)

    def decode(i: int) -> str | None:
        if i < 4:
            start.wait(timeout=30)  # the first four decode at the same moment
        return decode_image(paths[i], target_size=32).note

    with ThreadPoolExecutor(max_workers=4) as pool:
        notes = list(pool.map(decode, range(len(paths))))

    for path, note in zip(paths, notes, strict=True):
        if path in damaged:
            assert note is not None and "Corrupt EXIF data" in note, path.name
        else:
            assert note is None, path.name


def test_warnings_from_the_rest_of_the_program_are_left_alone(tmp_path: Path) -> None:
    decode_image(hostile.jpeg_truncated_exif(tmp_path), target_size=32)  # the hook is in place

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        decode_image(hostile.jpeg_truncated_exif(tmp_path, "again.jpg"), target_size=32)
        warnings.warn("not about a picture", UserWarning, stacklevel=1)

    assert [str(w.message) for w in caught] == ["not about a picture"]


def test_huge_exif_is_really_huge(tmp_path: Path) -> None:
    assert hostile.jpeg_huge_exif(tmp_path).stat().st_size > 60_000
    assert hostile.jpeg_huge_icc(tmp_path).stat().st_size > 3_000_000


def test_bomb_is_refused_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_load(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels of a bomb must never be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_load)
    for build in (hostile.bomb_png, hostile.bmp_absurd_dimensions):
        with pytest.raises(ImageError, match="too large"):
            decode_image(build(tmp_path))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_bomb_is_refused_even_when_pillow_only_warns(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="too large: 15000×15000 pixels"):
        decode_image(hostile.bomb_png_moderate(tmp_path))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.jpg"
    path.write_bytes(hostile.encoded(hostile.noisy_image((8, 8)), "JPEG"))
    path.chmod(0)
    try:
        with pytest.raises(ImageError, match="permission denied"):
            decode_image(path)
    finally:
        path.chmod(0o644)
