"""Browsing the library by capture date, the filter bar and its chips, folder clicks, the weaker-matches
divider and paging, through the real window."""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from desktop.gui.filter_bar import DateRangeDialog, FilterBar
from desktop.gui.grid_layout import Section
from desktop.gui.window import MainWindow
from desktop.search.filter_choice import DatePick
from desktop.shapes.world import random_scene
from tests.gui.conftest import WindowFactory, needs_shapes_tiny, random_photos, save_scene, single, wait_idle

YEAR = dt.date.today().year


def taken(folder: Path, times: list[dt.datetime], prefix: str = "p") -> list[Path]:
    """A photo for each time, its file time set to it (no EXIF, so the file's time is its capture time)."""
    photos = random_photos(folder, len(times), prefix=prefix)
    for photo, when in zip(photos, times, strict=True):
        os.utime(photo, (when.timestamp(), when.timestamp()))
    return photos


def shown(window: MainWindow) -> list[str]:
    return [h.path for h in window.results.hits()]


def titles(window: MainWindow) -> list[tuple[int, str | None]]:
    return [(s.start, s.title) for s in window.results.sections()]


def chips(bar: FilterBar) -> list[str]:
    return [c.text for c in bar.chips]


def browsing(window: MainWindow) -> bool:
    q = window.session.latest_query
    return q is not None and q.empty and not window.session.searching


def searched(window: MainWindow, text: str) -> bool:
    q = window.session.latest_query
    return q is not None and q.text == text and not window.session.searching and window.results.matches is not None


def menu_action(bar: FilterBar, text: str):  # type: ignore[no-untyped-def]
    bar._fill_date_menu()  # what opening the menu does
    return next(a for a in bar.date_menu.actions() if a.text() == text)


def test_the_grid_shows_the_library_before_any_query_newest_first_under_month_headers(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    times = [dt.datetime(2023, 5, 20, 9), dt.datetime(2023, 6, 10, 9), dt.datetime(2021, 12, 1, 9)]
    times.append(dt.datetime(2023, 6, 2, 9))
    photos = taken(tmp_path / "photos", times)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 4, timeout=30_000)
    assert window.search_bar.text == "" and browsing(window)  # nothing typed
    assert window.stack.currentWidget() is window.grid
    assert shown(window) == [str(photos[i]) for i in (1, 3, 0, 2)]
    assert titles(window) == [(0, "June 2023"), (2, "May 2023"), (3, "December 2021")]

    grid, place = window.grid, window.grid.placement
    for i, section in enumerate(place.sections):
        _, top, width, height = place.header_rect(i)
        assert height > 0 and width >= grid.viewport().width() - 1  # a header across the grid
        first = place.rect(section.start)
        assert first is not None and first[0] == 0 and first[1] >= top + height  # a new line under it
        if section.start:
            above = place.rect(section.start - 1)
            assert above is not None and above[1] + above[3] <= top
    picture = grid.viewport().grab().toImage()
    _, top, _, height = place.header_rect(0)
    assert painted_colours(picture, 0, top - grid.verticalOffset(), 200, height) > 1  # the title is drawn


def painted_colours(image: QImage, x: int, y: int, w: int, h: int) -> int:
    ratio = image.devicePixelRatio()
    return len(
        {
            image.pixel(int(px * ratio), int(py * ratio))
            for px in range(max(0, x), x + w, 2)
            for py in range(max(0, y), y + h, 2)
        }
    )


def test_a_date_quick_pick_and_a_custom_range_hide_photos_out_of_range_in_browse_and_search(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    this_year = dt.datetime(YEAR, 1, 1, 12)
    last_year = dt.datetime(YEAR - 1, 6, 1, 12)
    long_ago = dt.datetime(YEAR - 5, 6, 1, 12)
    photos = taken(tmp_path / "photos", [this_year, last_year, long_ago, dt.datetime(YEAR - 9, 3, 1, 12)])
    window = make_window(roots=(tmp_path / "photos",))
    bar = window.filter_bar
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 4, timeout=30_000)

    menu_action(bar, "This Year").trigger()
    qtbot.waitUntil(lambda: browsing(window) and shown(window) == [str(photos[0])], timeout=30_000)
    assert chips(bar) == ["Date: This year"]
    window.search_bar.set_query("anything")
    qtbot.waitUntil(lambda: searched(window, "anything"), timeout=30_000)
    assert shown(window) == [str(photos[0])]  # every kind of search stays inside the range

    bar.choose_range()
    dialog = bar.findChild(DateRangeDialog)
    assert dialog is not None
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    dialog.after.setText("June")
    assert not ok.isEnabled() and "From" in dialog.error.text()  # says which field and what it takes
    dialog.after.setText(str(YEAR - 5))
    dialog.before.setText(str(YEAR - 1))
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: searched(window, "anything") and window.session.filters.after is not None, timeout=30_000)
    qtbot.waitUntil(lambda: set(shown(window)) == {str(photos[1]), str(photos[2])}, timeout=30_000)
    assert chips(bar) == [f"Date: {YEAR - 5} – {YEAR - 1}"]
    window.search_bar.field.clear()  # back to browsing: the range stays
    qtbot.waitUntil(lambda: browsing(window) and shown(window) == [str(photos[1]), str(photos[2])], timeout=30_000)
    assert "pass the filters" in window.search_bar.status.text()


def test_clicking_a_folder_narrows_browsing_and_searching_and_its_chip_removes_it(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    day = dt.datetime(2022, 3, 1, 12)
    holidays = taken(tmp_path / "Holidays", [day, day], prefix="h")
    garden = taken(tmp_path / "Garden", [day, day, day], prefix="g")
    window = make_window(roots=(tmp_path / "Holidays", tmp_path / "Garden"))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 5 and len(window.library_panel.rows) == 2, timeout=30_000)
    row = next(r for r in window.library_panel.rows.values() if r.root.path.endswith("Garden"))

    qtbot.mouseClick(row, Qt.MouseButton.LeftButton, pos=QPoint(20, 10))
    qtbot.waitUntil(lambda: browsing(window) and set(shown(window)) == {str(p) for p in garden}, timeout=30_000)
    assert row.active and chips(window.filter_bar) == ["Folder: Garden"]
    window.search_bar.set_query("anything")
    qtbot.waitUntil(lambda: searched(window, "anything"), timeout=30_000)
    assert set(shown(window)) == {str(p) for p in garden}

    chip = window.filter_bar.chips[0]
    qtbot.mouseClick(chip.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: searched(window, "anything") and window.results.rowCount() == 5, timeout=30_000)
    assert set(shown(window)) == {str(p) for p in holidays + garden}
    assert not row.active and chips(window.filter_bar) == []

    qtbot.mouseClick(row, Qt.MouseButton.LeftButton, pos=QPoint(20, 10))  # on, then off again
    qtbot.waitUntil(lambda: window.results.rowCount() == 3, timeout=30_000)
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton, pos=QPoint(20, 10))
    qtbot.waitUntil(lambda: window.results.rowCount() == 5 and not window.filter_bar.chips, timeout=30_000)


def test_each_filter_is_a_chip_removed_on_its_own_and_the_filters_stay_after_a_relaunch(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    folder = tmp_path / "photos"
    pngs = taken(folder, [dt.datetime(YEAR - 1, 5, 1, 12), dt.datetime(YEAR - 3, 5, 1, 12)])
    jpeg = folder / "z.jpg"
    save_scene(jpeg, single("circle", "red"))
    os.utime(jpeg, (dt.datetime(YEAR - 1, 7, 1).timestamp(),) * 2)
    window = make_window(roots=(folder,))
    bar = window.filter_bar
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 3, timeout=30_000)

    bar.set_date(DatePick.year(YEAR - 1))
    bar.set_kinds(["png"])
    bar.toggle_folder(str(folder.resolve()))
    qtbot.waitUntil(lambda: browsing(window) and shown(window) == [str(pngs[0])], timeout=30_000)
    assert chips(bar) == [f"Date: {YEAR - 1}", "Folder: photos", "Kind: PNG"]
    assert bar.clear_button.isVisibleTo(bar)

    kind_chip = next(c for c in bar.chips if c.kind == "kind")
    qtbot.mouseClick(kind_chip.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: browsing(window) and shown(window) == [str(jpeg), str(pngs[0])], timeout=30_000)
    assert chips(bar) == [f"Date: {YEAR - 1}", "Folder: photos"]  # the others stay

    wait_idle(qtbot, window)  # the choice is written to the library's settings
    window.shutdown()
    window.close()
    again = make_window()  # the same library, opened again
    wait_idle(qtbot, again)
    qtbot.waitUntil(lambda: browsing(again) and shown(again) == [str(jpeg), str(pngs[0])], timeout=30_000)
    assert chips(again.filter_bar) == [f"Date: {YEAR - 1}", "Folder: photos"]
    again.filter_bar.clear()
    qtbot.waitUntil(lambda: browsing(again) and again.results.rowCount() == 3, timeout=30_000)
    assert chips(again.filter_bar) == []


@needs_shapes_tiny
def test_the_weaker_matches_divider_sits_at_the_engines_cut_and_hover_shows_the_score(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, (size, position, background) in enumerate(
        [
            ("large", "center", "white"),
            ("small", "left", "white"),
            ("large", "right", "beige"),
            ("small", "top", "gray"),
        ]
    ):
        save_scene(folder / f"red-circle-{i}.png", single("circle", "red", background, size, position), seed=i)
    rng = random.Random(7)
    others = 0
    while others < 24:
        scene = random_scene(rng)
        if not any(o.colour == "red" or o.shape == "circle" for o in scene.objects):
            save_scene(folder / f"other-{others:02d}.png", scene, seed=100 + others)
            others += 1
    window = make_window("shapes-tiny", roots=(folder,))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 28, timeout=60_000)
    window.search_bar.set_query("a red circle")
    qtbot.waitUntil(lambda: searched(window, "a red circle"), timeout=60_000)

    found = window._last_result
    assert found is not None and found.matches is not None
    cut = found.matches
    assert 0 < cut < window.results.rowCount() == 28  # matches, then the weaker photos
    assert window.results.sections() == [
        Section(0),
        Section(cut, "Weaker matches", "divider", window.results.sections()[1].detail),
    ]
    place = window.grid.placement
    _, top, _, height = place.header_rect(1)
    last_match, first_weaker = place.rect(cut - 1), place.rect(cut)
    assert last_match is not None and first_weaker is not None
    assert last_match[1] + last_match[3] <= top and first_weaker[1] >= top + height and first_weaker[0] == 0
    assert f"{cut} match" in window.search_bar.status.text() and "weaker" in window.search_bar.status.text()

    grid = window.grid
    grid.scrollTo(window.results.index(cut - 1))
    cell = grid.visualRect(window.results.index(cut - 1))
    nudge = iter(range(1_000_000))

    def over_the_cell() -> bool:  # moved again each time: an offscreen enter event can be lost
        qtbot.mouseMove(grid.viewport(), cell.center() + QPoint(next(nudge) % 3, 0))
        return grid.hover_row() == cut - 1

    qtbot.waitUntil(over_the_cell, timeout=20_000)
    badge = grid.badge_text(cut - 1)
    assert badge is not None and badge.startswith("score ")
    with_badge = grid.viewport().grab().toImage()
    monkeypatch.setattr(type(grid), "badge_text", lambda self, row: None)
    assert grid.viewport().grab().toImage() != with_badge  # the badge is painted over the hovered cell
    monkeypatch.undo()

    window.search_bar.field.clear()  # browsing: no scores, no divider
    qtbot.waitUntil(lambda: browsing(window) and window.results.matches is None, timeout=30_000)
    assert grid.badge_text(0) is None
    assert all(s.kind == "month" for s in window.results.sections())


def test_no_divider_when_every_row_is_a_match(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    random_photos(tmp_path / "photos", 3)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    window.search_bar.set_query("anything")
    qtbot.waitUntil(lambda: searched(window, "anything"), timeout=30_000)
    hits = window.results.hits()
    window.results.set_hits(hits, len(hits))
    assert window.results.sections() == [Section(0)]
    assert window.grid.placement.sections == [Section(0)]
    window.results.set_hits(hits, 0)  # nothing close: the divider opens the list
    assert [s.kind for s in window.results.sections()] == ["divider"]


def test_browsing_pages_in_as_the_grid_scrolls(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    start = dt.datetime(2024, 3, 28, 12)
    times = [start - dt.timedelta(days=2 * i) for i in range(60)]  # about four months, newest first
    photos = taken(tmp_path / "photos", times)
    window = make_window(roots=(tmp_path / "photos",), start=False)
    window.session.result_count = 5  # a page
    window.session.start()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: browsing(window) and window.results.rowCount() >= 5, timeout=30_000)
    wait_idle(qtbot, window)
    loaded = window.results.rowCount()
    assert loaded < 60 and loaded % 5 == 0  # pages, enough to fill the screen and a bit
    assert window.search_bar.status.text().startswith("60 photos")  # the count is of the library, not the page

    grid = window.grid
    for _ in range(60):
        if window.results.rowCount() == 60:
            break
        grid.scrollToBottom()
        before = window.results.rowCount()
        qtbot.waitUntil(lambda: window.results.rowCount() > before, timeout=30_000)  # noqa: B023
    assert shown(window) == [str(p) for p in photos]  # newest first across the pages, none twice
    months = [s.title for s in window.results.sections()]
    assert months == ["March 2024", "February 2024", "January 2024", "December 2023", "November 2023"][: len(months)]
    assert len(months) == len(set(months))  # a month split between pages has one header
    assert not window.results.canFetchMore()


def test_shift_click_selects_the_run_between_and_down_crosses_into_the_next_month(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    times = [dt.datetime(2024, 5, 20 - i, 12) for i in range(9)] + [dt.datetime(2024, 4, 10 - i, 12) for i in range(3)]
    taken(tmp_path / "photos", times)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 12, timeout=30_000)
    grid, place = window.grid, window.grid.placement
    assert place.columns >= 3 and place.columns < 9
    grid.setFocus()

    def click(row: int, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        grid.scrollTo(window.results.index(row))
        pos = grid.visualRect(window.results.index(row)).center()
        qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, modifier, pos)

    click(1)
    click(place.columns + 2, Qt.KeyboardModifier.ShiftModifier)  # the next line, further right
    selected = sorted({i.row() for i in grid.selectionModel().selectedIndexes()})
    assert selected == list(range(1, place.columns + 3))  # a run of photos, not a rectangle

    last_line_first = (8 // place.columns) * place.columns  # May's last line
    click(last_line_first)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.currentIndex().row() == 9  # April's first photo, same column
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert grid.currentIndex().row() == last_line_first
