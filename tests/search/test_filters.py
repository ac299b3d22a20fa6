"""Filters by capture date, folder and kind: never a photo outside them, never a starved result list."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.errors import UsageError
from desktop.library import Library
from desktop.search.engine import SearchRequest
from desktop.search.filters import Filters, period
from desktop.search.terms import parse_terms
from tests.search.conftest import Photo

MODEL = ["--model", "test-pixels"]


def cli(base: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code = main(["search", "--library", str(base / "lib"), *MODEL, "--json", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def in_period(p: Photo, after: str | None, before: str | None) -> bool:
    lo = period(after)[0] if after else None
    hi = period(before)[1] if before else None
    when = p.taken.isoformat(timespec="seconds")
    return (lo is None or when >= lo) and (hi is None or when < hi)


def under(p: Photo, folder: Path) -> bool:
    return p.path.is_relative_to(folder.resolve())


def test_period_covers_the_whole_year_month_or_day() -> None:
    assert period("2021") == ("2021-01-01T00:00:00", "2022-01-01T00:00:00")
    assert period("2021-12") == ("2021-12-01T00:00:00", "2022-01-01T00:00:00")
    assert period("2021-02-28") == ("2021-02-28T00:00:00", "2021-03-01T00:00:00")
    assert period("2021-02-28T10:30") == ("2021-02-28T10:30:00", "2021-02-28T10:30:01")
    for bad in ("21", "2021-13", "yesterday", "2021-02-30"):
        with pytest.raises(UsageError):
            period(bad)
    with pytest.raises(UsageError, match="later than"):
        Filters.parse(after="2022", before="2021-06")


CASES = [
    {"after": "2020"},
    {"before": "2019-06"},
    {"after": "2019-03-01", "before": "2020-05"},
    {"folder": "2019/spring"},
    {"folder": "2020/summer/deep"},
    {"kind": "jpeg,webp"},
    {"kind": "png", "after": "2019"},
    {"folder": "2019", "kind": "jpg", "before": "2019-10-15"},
]


def expected(photos: list[Photo], root: Path, case: dict[str, str]) -> set[str]:
    kinds = {"jpg": "jpeg"}.get(case.get("kind", ""), case.get("kind", ""))
    return {
        str(p.path)
        for p in photos
        if in_period(p, case.get("after"), case.get("before"))
        and ("folder" not in case or under(p, root / case["folder"]))
        and ("kind" not in case or p.kind in kinds.split(","))
    }


def flags(root: Path, case: dict[str, str]) -> list[str]:
    out = []
    for key, value in case.items():
        out += [f"--{key}", str(root / value) if key == "folder" else value]
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("query", ["text", "image", "composed", "terms", "browse"])
def test_every_result_passes_the_filter_and_none_is_starved(
    dated: tuple[Path, list[Photo]], capsys: pytest.CaptureFixture[str], case: dict[str, str], query: str
) -> None:
    base, photos = dated
    root = base / "photos"
    probe = str(photos[1].path)
    q = {
        "text": ["--text", "a red circle"],
        "image": ["--image", probe],
        "composed": ["--image", probe, "--text", "make it blue", "--compose", "sum"],
        "terms": ["--text", "2:a red circle", "--text", "a star", "--not", "a green square"],
        "browse": [],
    }[query]
    want = expected(photos, root, case)
    if query in ("image", "composed"):
        want.discard(probe)  # the reference is never its own result
    assert want, "each case keeps some photos"
    got = cli(base, capsys, *q, *flags(root, case), "--all", "--k", "1000")
    paths = [r["path"] for r in got["results"]]
    assert set(paths) == want
    assert got["matches"] == len(want)
    if query == "browse":
        assert got["mode"] == "browse"
        assert all(r["score"] is None for r in got["results"])
    # a page of 3 holds the best 3 of the full ranking
    top = cli(base, capsys, *q, *flags(root, case), "--all", "--k", "3")
    assert [r["path"] for r in top["results"]] == paths[:3]


def test_json_carries_date_source_size_and_capture_time(
    dated: tuple[Path, list[Photo]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, photos = dated
    truth = {str(p.path): p for p in photos}
    got = cli(base, capsys, "--text", "anything", "--all", "--k", "1000")
    assert len(got["results"]) == len(photos)
    for r in got["results"]:
        p = truth[r["path"]]
        assert set(r) == {"path", "score", "taken", "date_source", "width", "height"}
        assert (r["taken"], r["date_source"]) == (p.taken.isoformat(timespec="seconds"), p.date_source)
        assert (r["width"], r["height"]) == (p.width, p.height)
    assert {r["date_source"] for r in got["results"]} == {"exif", "file"}


def test_browse_lists_newest_first_and_pages(
    dated: tuple[Path, list[Photo]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, photos = dated
    newest = sorted(photos, key=lambda p: p.taken, reverse=True)
    pages = [cli(base, capsys, "--k", "10", "--offset", str(off))["results"] for off in range(0, 50, 10)]
    listed = [r["path"] for page in pages for r in page]
    assert listed == [str(p.path) for p in newest]
    assert [len(p) for p in pages] == [10, 10, 10, 10, 8]


def test_a_moved_photo_without_exif_keeps_its_filterable_date(tmp_path: Path) -> None:
    from tests.search.conftest import make_library

    photos = make_library(tmp_path / "photos", n=6)
    with Library.open(tmp_path / "lib", "test-pixels") as lib:
        lib.add_root(tmp_path / "photos")
        lib.index()
        plain = next(p for p in photos if p.date_source == "file")
        moved = plain.path.parent / "renamed" / plain.path.name
        moved.parent.mkdir()
        plain.path.rename(moved)
        assert lib.index().moved == 1
        day = plain.taken.date().isoformat()
        found = lib.find(SearchRequest(filters=Filters.parse(after=day, before=day)))
        assert [h.path for h in found.hits] == [str(moved)]
        assert found.hits[0].facts.date_source == "file"


def test_kind_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    from PIL import Image

    root = tmp_path / "photos"
    root.mkdir()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(root / "really-a-png.jpg", "PNG")
    Image.new("RGB", (40, 30), (10, 200, 10)).save(root / "a.jpg", "JPEG")
    with Library.open(tmp_path / "lib", "test-pixels") as lib:
        lib.add_root(root)
        lib.index()
        pngs = lib.find(SearchRequest(parse_terms("x"), filters=Filters.parse(kinds="png"), all=True))
        assert [Path(h.path).name for h in pngs.hits] == ["really-a-png.jpg"]


def test_bad_filters_exit_2_with_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = ["--library", str(tmp_path / "lib"), *MODEL]
    assert main(["search", *lib, "--text", "x", "--after", "last week"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert main(["search", *lib, "--kind", "jpeg,raw"]) == 2
    assert "unknown kind 'raw'" in capsys.readouterr().err


def test_migration_fills_kind_and_capture_time_for_an_old_catalog(tmp_path: Path) -> None:
    from desktop.catalog import schema

    path = tmp_path / "old.sqlite3"
    conn = schema.connect(path)
    schema.migrate(conn, schema.MIGRATIONS[:1])
    conn.execute("INSERT INTO roots (path, added_at) VALUES ('/p', 0)")
    mtime = int(dt.datetime(2020, 7, 1, 12, 0).timestamp() * 1e9)
    conn.execute(
        "INSERT INTO images (root_id, path, size, mtime_ns, taken_at, state, updated_at) VALUES"
        " (1, '/p/a.JPG', 1, ?, '2019-05-01T10:00:00', 'indexed', 0), (1, '/p/b.png', 1, ?, NULL, 'indexed', 0)",
        (mtime, mtime),
    )
    assert schema.migrate(conn) == schema.current_version()
    rows = conn.execute("SELECT path, kind, captured FROM images ORDER BY path").fetchall()
    assert rows == [("/p/a.JPG", "jpeg", "2019-05-01T10:00:00"), ("/p/b.png", "png", "2020-07-01T12:00:00")]
    conn.close()


def test_folder_range_keeps_the_folder_and_not_its_namesakes() -> None:
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE images (path TEXT, captured TEXT, kind TEXT)")
    paths = ["/p/a/x.jpg", "/p/a/b/y.jpg", "/p/ab/z.jpg", "/p/a.jpg", "/p/a0/w.jpg", "/q/v.jpg"]
    conn.executemany("INSERT INTO images VALUES (?, '2020-01-01T00:00:00', 'jpeg')", [(p,) for p in paths])

    def kept(*folders: str) -> list[str]:
        where, params = Filters(folders=folders).sql()
        return sorted(r[0] for r in conn.execute(f"SELECT path FROM images WHERE {where}", params))

    assert kept("/p/a") == ["/p/a/b/y.jpg", "/p/a/x.jpg"]
    assert kept("/p/a", "/q") == ["/p/a/b/y.jpg", "/p/a/x.jpg", "/q/v.jpg"]
    assert kept("/") == sorted(paths)


def test_photos_indexed_after_a_filtered_search_are_found_by_the_next(tmp_path: Path) -> None:
    from tests.search.conftest import make_library

    make_library(tmp_path / "photos" / "old", n=6)
    with Library.open(tmp_path / "lib", "test-pixels") as lib:
        lib.add_root(tmp_path / "photos")
        lib.index()
        req = SearchRequest(parse_terms("x"), filters=Filters.parse(kinds="jpeg,png,webp,gif,bmp,tiff"), all=True)
        assert lib.find(req).matches == 6  # the filtered search has read the vectors into memory
        new = make_library(tmp_path / "photos" / "new", n=4, seed=9)
        assert lib.index().indexed == 4
        found = lib.find(SearchRequest(req.terms, k=100, filters=req.filters, all=True))
        assert found.matches == 10
        assert {str(p.path) for p in new} <= {h.path for h in found.hits}
