"""The results grid paints its visible cells itself, in one call; it must show exactly what painting each cell
through the delegate's ``paint()`` (Qt's way, one call per cell) shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from desktop.gui.delegate import ThumbnailDelegate
from desktop.gui.grid import ResultsView
from desktop.gui.results import ResultsModel
from desktop.gui.window import MainWindow
from desktop.library import Hit
from tests.gui.conftest import WindowFactory, random_photos


def grab(view: ResultsView, *, fast: bool) -> QImage:
    view.fast_paint = fast
    try:
        return view.viewport().grab().toImage()
    finally:
        view.fast_paint = True


def same_pixels(view: ResultsView) -> bool:
    return grab(view, fast=True) == grab(view, fast=False)


@pytest.fixture
def grid_window(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> MainWindow:
    """A window whose grid shows 300 hits over 12 real photos (thumbnails loaded) and one missing file."""
    photos = random_photos(tmp_path / "photos", 12)
    window = make_window(start=False)
    window.resize(1000, 700)
    hits = [Hit(i, str(photos[i % len(photos)]), 1.0 - i / 1000) for i in range(300)]
    hits[7] = Hit(7, str(tmp_path / "gone.png"), 0.5)
    window.results.set_hits(hits)
    window.stack.setCurrentWidget(window.grid)
    size = window.results.thumbnail_size
    loader = window.loader

    def all_loaded() -> bool:
        window.grid.viewport().repaint()  # asks for what is on screen
        ready = [loader.pixmap(str(p), size) for p in photos]  # all: none may arrive between two grabs
        return all(pm is not None for pm in ready) and loader.error(str(tmp_path / "gone.png"), size) is not None

    qtbot.waitUntil(all_loaded, timeout=10_000)
    return window


def point_away(qtbot: QtBot, window: MainWindow) -> None:
    """The pointer over the search bar, away from the grid (moved again until the grid has seen it leave)."""
    nudge = iter(range(1_000_000))

    def away() -> bool:
        qtbot.mouseMove(window.search_bar, QPoint(5 + next(nudge) % 3, 5))
        return not window.grid.viewport().underMouse()

    qtbot.waitUntil(away, timeout=20_000)


def test_the_grid_paints_what_the_delegate_paints_cell_by_cell(qtbot: QtBot, grid_window: MainWindow) -> None:
    grid = grid_window.grid
    point_away(qtbot, grid_window)
    away = grab(grid, fast=True)
    assert away == grab(grid, fast=False)

    cell = grid.visualRect(grid_window.results.index(4))
    nudge = iter(range(1_000_000))

    def over_the_cell() -> bool:  # moved again each time: an offscreen enter event can be lost
        qtbot.mouseMove(grid.viewport(), cell.center() + QPoint(next(nudge) % 3, 0))
        return grid.viewport().underMouse()

    qtbot.waitUntil(over_the_cell, timeout=20_000)  # the cell under the pointer is marked
    hovered = grab(grid, fast=True)
    assert hovered == grab(grid, fast=False)
    assert hovered != away
    point_away(qtbot, grid_window)
    assert grab(grid, fast=True) == away

    grid_window.activateWindow()  # a real display gives focus only to the active window
    grid.setFocus()
    qtbot.waitUntil(grid.hasFocus)
    sel = grid.selectionModel()
    before = grab(grid, fast=True)
    sel.setCurrentIndex(grid_window.results.index(5), QItemSelectionModel.SelectionFlag.NoUpdate)
    assert grab(grid, fast=True) != before  # current, with focus, not selected: the focus frame
    for row in (1, 3, 7):
        sel.select(grid_window.results.index(row), QItemSelectionModel.SelectionFlag.Select)
    fast = grab(grid, fast=True)
    assert fast == grab(grid, fast=False)
    assert fast != grab_unselected(grid)  # the selection shows

    grid.scrollTo(grid_window.results.index(150))  # a page in the middle, cut at the top and bottom
    grid.verticalScrollBar().setValue(grid.verticalScrollBar().value() + 37)
    assert same_pixels(grid)


def grab_unselected(grid: ResultsView) -> QImage:
    selection = grid.selectionModel().selection()
    grid.selectionModel().clearSelection()
    try:
        return grab(grid, fast=True)
    finally:
        grid.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.Select)


def test_a_drag_selection_shows_its_rubber_band(qtbot: QtBot, grid_window: MainWindow) -> None:
    grid = grid_window.grid
    grid_window.results.set_hits(grid_window.results.hits()[:4])  # leaves empty space below the cells
    viewport = grid.viewport()
    before = grab(grid, fast=True)
    start = QPoint(viewport.width() - 20, viewport.height() - 20)
    assert not grid.indexAt(start).isValid()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, QPoint(30, 30))
    assert grid.state() == ResultsView.State.DragSelectingState
    during = grab(grid, fast=True)
    assert during == grab(grid, fast=False)
    assert during != before
    assert len(grid.selectionModel().selectedIndexes()) > 0  # the band selects what it covers
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(30, 30))


def test_a_repaint_makes_no_call_per_cell_into_python(
    qtbot: QtBot, grid_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each call from Qt into Python waits for the GIL while the indexer runs (see desktop.gui.grid)."""
    calls: list[str] = []
    flags, paint = ResultsModel.flags, ThumbnailDelegate.paint
    monkeypatch.setattr(ResultsModel, "flags", lambda self, index: calls.append("flags") or flags(self, index))
    monkeypatch.setattr(ThumbnailDelegate, "paint", lambda self, *a: calls.append("paint") or paint(self, *a))
    grid = grid_window.grid
    area = grid.viewport().rect()

    def on_screen() -> list[int]:
        return [r for r in range(300) if grid.visualRect(grid_window.results.index(r)).intersects(area)]

    for scrolled in (37, 150, 2000, grid.verticalScrollBar().maximum(), 0):  # cut lines, the end, the top
        grid.verticalScrollBar().setValue(scrolled)
        assert 0 < len(on_screen()) < 100
        assert list(grid.visible_rows(area)) == on_screen()  # what is on screen, not all 300
    grid.viewport().repaint()
    assert calls == []
    grid.fast_paint = False
    grid.viewport().repaint()
    assert calls.count("paint") >= len(on_screen())  # the check above would see them
