"""The thumbnail disk cache: keys, sizes, orientation, atomic files, pruning."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from desktop.errors import ImageError
from desktop.thumbs import ThumbnailCache


def _photo(path: Path, size: tuple[int, int] = (400, 200), colour: str = "red") -> Path:
    Image.new("RGB", size, colour).save(path, "PNG")
    return path


def test_thumbnail_fits_the_size_and_keeps_the_aspect(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "wide.png")
    cache = ThumbnailCache(tmp_path / "thumbs")
    thumb = cache.get(photo, 100)
    assert thumb.is_file() and thumb.is_relative_to(tmp_path / "thumbs")
    with Image.open(thumb) as im:
        assert im.format == "JPEG"
        assert im.size == (100, 50)
        r, g, b = im.getpixel((50, 25))
        assert r > 200 and g < 40 and b < 40


def test_second_get_reuses_the_file(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "a.png")
    cache = ThumbnailCache(tmp_path / "thumbs")
    assert cache.cached(photo, 64) is None
    first = cache.get(photo, 64)
    mtime = first.stat().st_mtime_ns
    assert cache.cached(photo, 64) == first
    assert cache.get(photo, 64) == first
    assert first.stat().st_mtime_ns == mtime


def test_key_depends_on_size_and_mtime(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "a.png")
    cache = ThumbnailCache(tmp_path / "thumbs")
    small, large = cache.get(photo, 32), cache.get(photo, 128)
    assert small != large
    _photo(photo, colour="blue")
    st = photo.stat()
    os.utime(photo, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert cache.cached(photo, 32) is None
    fresh = cache.get(photo, 32)
    assert fresh != small
    with Image.open(fresh) as im:
        r, _, b = im.getpixel((8, 4))
        assert b > 180 and r < 80


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    img = Image.new("RGB", (300, 100), "green")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    path = tmp_path / "sideways.jpg"
    img.save(path, "JPEG", exif=exif.tobytes())
    thumb = ThumbnailCache(tmp_path / "thumbs").get(path, 90)
    with Image.open(thumb) as im:
        assert im.size == (30, 90)


def test_unreadable_photos_raise_image_error(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a picture at all")
    with pytest.raises(ImageError):
        cache.get(bad, 64)
    with pytest.raises(ImageError, match="cannot read"):
        cache.get(tmp_path / "missing.jpg", 64)
    assert cache.cached(tmp_path / "missing.jpg", 64) is None
    assert not list((tmp_path / "thumbs").rglob(".tmp-*"))


def test_concurrent_makers_agree(tmp_path: Path) -> None:
    photo = _photo(tmp_path / "a.png", (800, 800))
    cache = ThumbnailCache(tmp_path / "thumbs")
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(photo, 128))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    files = list((tmp_path / "thumbs").rglob("*"))
    assert [p for p in files if p.is_file()] == [results[0]]


def test_prune_keeps_the_cache_under_budget(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    for i in range(5):
        cache.get(_photo(tmp_path / f"p{i}.png", (300, 300), colour=(i * 40, 0, 0)), 128)  # type: ignore[arg-type]
    total = cache.size_on_disk()
    assert total > 0
    removed = cache.prune(total // 2)
    assert removed >= 2
    assert cache.size_on_disk() <= total // 2
    assert cache.prune(10**9) == 0


def _aged_thumbnails(tmp_path: Path, cache: ThumbnailCache, n: int) -> list[Path]:
    """``n`` thumbnails, the first last used ``n`` days ago, the last one a day ago."""
    thumbs = []
    now = time.time()
    for i in range(n):
        thumb = cache.get(_photo(tmp_path / f"p{i}.png", (300, 300), colour=(i * 40, 0, 0)), 128)  # type: ignore[arg-type]
        when = now - (n - i) * 86400
        os.utime(thumb, (when, when))
        thumbs.append(thumb)
    return thumbs


def test_prune_keeps_the_most_recently_used_that_fit(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    thumbs = _aged_thumbnails(tmp_path, cache, 6)
    newest_three = sum(t.stat().st_size for t in thumbs[3:])

    removed = cache.prune(newest_three)

    assert removed == 3
    assert [t.exists() for t in thumbs] == [False, False, False, True, True, True]
    assert cache.size_on_disk() == newest_three


def test_a_thumbnail_shown_again_counts_as_recently_used(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    thumbs = _aged_thumbnails(tmp_path, cache, 3)
    assert cache.get(tmp_path / "p0.png", 128) == thumbs[0]  # the oldest, shown in the grid today

    cache.prune(thumbs[0].stat().st_size + thumbs[2].stat().st_size)

    assert [t.exists() for t in thumbs] == [True, False, True]


def test_prune_stops_when_cancelled(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    thumbs = _aged_thumbnails(tmp_path, cache, 3)
    cancel = threading.Event()
    cancel.set()

    assert cache.prune(0, cancel) == 0
    assert all(t.exists() for t in thumbs)
