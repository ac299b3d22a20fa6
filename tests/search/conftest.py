"""A generated photo library with known capture dates, nested folders and several file kinds."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desktop.library import Library


@dataclass(frozen=True)
class Photo:
    path: Path
    taken: dt.datetime
    date_source: str  # "exif" | "file"
    kind: str
    width: int
    height: int


def save_photo(path: Path, image: Image.Image, kind: str, taken: dt.datetime, exif: bool) -> None:
    """Write ``image`` as ``kind``; the date goes into EXIF DateTimeOriginal, or into the file's mtime."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP", "tiff": "TIFF"}[kind]
    if exif:
        data = Image.Exif()
        data.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        image.save(path, fmt, exif=data)
        # A file time far from the EXIF date: the filter must use the EXIF one.
        os.utime(path, (0, dt.datetime(2001, 1, 1).timestamp()))
    else:
        image.save(path, fmt)
        os.utime(path, (0, taken.timestamp()))


def make_library(root: Path, n: int = 48, seed: int = 5) -> list[Photo]:
    from desktop.shapes.render import Style, render
    from desktop.shapes.world import random_scene

    rng = random.Random(seed)
    folders = ["2019/spring", "2019/spring/beach", "2020/summer/deep/er", "2020", "2021/winter", "misc"]
    kinds = ["jpeg", "png", "webp", "gif", "bmp", "tiff"]
    photos = []
    for i in range(n):
        folder = folders[i % len(folders)]
        kind = kinds[(i // len(folders) + i) % len(kinds)]
        year = int(folder[:4]) if folder[0].isdigit() else 2018 + i % 5
        taken = dt.datetime(year, 1 + i % 12, 1 + i % 27, 8 + i % 10, i % 60, 0)
        use_exif = kind in ("jpeg", "webp") and i % 3 != 0  # the kinds whose EXIF the decoder reads
        canvas = 96 + 16 * (i % 4)
        image = render(random_scene(rng), random.Random(i), Style(canvas=canvas))
        ext = {"jpeg": ".jpg", "tiff": ".tif"}.get(kind, "." + kind)
        path = root / folder / f"p{i:03d}{ext}"
        save_photo(path, image, kind, taken, use_exif)
        photos.append(Photo(path.resolve(), taken, "exif" if use_exif else "file", kind, canvas, canvas))
    return photos


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Photo]]:
    """A library (test-pixels model) indexed over ``make_library``; returns its folder and the truth."""
    base = tmp_path_factory.mktemp("dated")
    photos = make_library(base / "photos")
    with Library.open(base / "lib", "test-pixels") as lib:
        lib.add_root(base / "photos")
        assert lib.index().indexed == len(photos)
    return base, photos


def shapes_library(
    base: Path, n: int, seed: int, render_from: int, subfolder: Callable[[int], str] = lambda i: ""
) -> tuple[Library, dict[str, Any]]:
    """``n`` fresh shapes scenes (scenes drawn with ``seed``, rendered with seeds from ``render_from``: never used
    in training) under ``base/photos`` (in ``subfolder(i)``), indexed with the bundled shapes-tiny:
    ``(open library, {resolved path: scene})``."""
    from desktop.shapes.world import random_scene
    from tests.conftest import SHAPES_WEIGHTS, write_scene

    if not SHAPES_WEIGHTS.is_file():
        pytest.skip("the bundled shapes-tiny weights are not in resources/")
    rng = random.Random(seed)
    scenes = {}
    for i in range(n):
        scene = random_scene(rng)
        path = write_scene(base / "photos" / subfolder(i) / f"s{i:03d}.png", scene, seed=render_from + i)
        scenes[str(path.resolve())] = scene
    lib = Library.open(base / "lib", "shapes-tiny")
    lib.add_root(base / "photos")
    assert lib.index().indexed == n
    return lib, scenes


@pytest.fixture(scope="session")
def shapes_gallery(tmp_path_factory: pytest.TempPathFactory):
    """240 fresh shapes scenes (seeds never used in training) indexed with the bundled shapes-tiny."""
    base = tmp_path_factory.mktemp("gallery")
    lib, scenes = shapes_library(base, 240, 4242, render_from=5000)
    yield base, lib, scenes
    lib.close()
