"""The window shows the library before any query, and filters apply to browsing and searching alike."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.search.filters import Filters
from tests.gui.conftest import WindowFactory, random_photos, wait_idle


def dated_photos(folder: Path, years: list[int]) -> list[Path]:
    """One photo per year given, its file time (no EXIF) on 1 June of that year."""
    photos = random_photos(folder, len(years))
    for photo, year in zip(photos, years, strict=True):
        t = dt.datetime(year, 6, 1, 12).timestamp()
        os.utime(photo, (t, t))
    return photos


def shown_paths(window) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.path for h in window.results.hits()]


def test_the_library_shows_newest_first_before_any_query(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    photos = dated_photos(tmp_path / "photos", [2015, 2021, 2018, 2023, 2012])
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 5, timeout=30_000)
    assert window.stack.currentWidget() is window.grid
    assert shown_paths(window) == [str(photos[i]) for i in (3, 1, 2, 0, 4)]
    assert window.results.matches is None  # browsing: no divider
    assert window.search_bar.status.text().startswith("5 photos")


def test_a_date_filter_hides_photos_out_of_range_in_browse_and_search(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    photos = dated_photos(tmp_path / "photos", [2015, 2021, 2018, 2023, 2012])
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 5, timeout=30_000)
    window.session.set_filters(Filters.parse(after="2016", before="2022"))
    qtbot.waitUntil(lambda: window.results.rowCount() == 2, timeout=30_000)
    assert shown_paths(window) == [str(photos[1]), str(photos[2])]
    assert "pass the filters" in window.search_bar.status.text()
    window.search_bar.set_query("anything")
    qtbot.waitUntil(lambda: window.results.matches is not None, timeout=30_000)
    assert set(shown_paths(window)) == {str(photos[1]), str(photos[2])}  # the search stays inside the range
    window.session.set_filters(Filters.parse(after="2030"))
    qtbot.waitUntil(lambda: window.results.rowCount() == 0, timeout=30_000)
    assert window.stack.currentWidget() is window.empty
    assert window.empty.title.text() == "No photos pass the filters"


def test_a_field_that_cannot_be_read_says_why_and_keeps_the_results(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    random_photos(tmp_path / "photos", 3)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 3, timeout=30_000)
    window.search_bar.set_query("0:sunset")
    qtbot.waitUntil(lambda: "malformed weight" in window.search_bar.status.text(), timeout=10_000)
    assert window.results.rowCount() == 3
