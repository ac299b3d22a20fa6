"""The loupe: one photo over the window, "7 of 12", next/previous with the grid following, fit and 100 %,
the photo's facts (its date and where the date comes from), and its actions."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.gui import files
from desktop.gui.loupe import Loupe
from desktop.gui.photo_info import FROM_EXIF, FROM_FILE
from desktop.gui.window import MainWindow
from tests.gui.conftest import WindowFactory, random_photos, wait_idle

BIG = (1600, 1200)  # stored sideways: shown upright as 1200 x 1600


def exif_photo(path: Path, size: tuple[int, int], taken: dt.datetime, orientation: int = 1) -> Path:
    """A JPEG with a camera date (and an orientation) in its EXIF: left half red, right half blue."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    image.save(path, "JPEG", quality=90, exif=exif)
    return path


@pytest.fixture
def browsing(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> Callable[[], tuple[MainWindow, Path]]:
    """A window browsing 12 photos: 10 PNGs without EXIF (file times) and two JPEGs with camera dates, one
    big and sideways. Returns the window and the big photo."""

    def make() -> tuple[MainWindow, Path]:
        folder = tmp_path / "photos"
        random_photos(folder, 10)
        big = exif_photo(folder / "big.jpg", BIG, dt.datetime(2021, 7, 4, 12, 34, 56), orientation=6)
        exif_photo(folder / "small.jpg", (320, 240), dt.datetime(2020, 1, 2, 3, 4, 5))
        window = make_window(roots=(folder,))
        window.resize(1100, 760)
        wait_idle(qtbot, window)
        qtbot.waitUntil(lambda: window.results.rowCount() == 12, timeout=30_000)
        return window, big

    return make


def open_loupe(qtbot: QtBot, window: MainWindow, row: int) -> Loupe:
    window.grid.setFocus()
    window.grid.select_row(row)
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    qtbot.waitUntil(window.loupe.isVisible, timeout=5000)
    return window.loupe


def row_of(window: MainWindow, path: Path) -> int:
    row = window.results.row_of(str(path))
    assert row is not None
    return row


def test_the_counter_steps_and_the_grid_selection_follows(qtbot: QtBot, browsing: Callable) -> None:
    window, _ = browsing()
    loupe = open_loupe(qtbot, window, 6)
    assert loupe.counter.text() == "7 of 12"
    assert loupe.geometry() == window.centralWidget().geometry()  # over the whole central area
    qtbot.keyClick(loupe, Qt.Key.Key_Right)
    assert loupe.counter.text() == "8 of 12"
    assert window.grid.currentIndex().row() == 7
    assert [i.row() for i in window.grid.selectedIndexes()] == [7]
    qtbot.keyClick(loupe, Qt.Key.Key_Left)
    qtbot.keyClick(loupe, Qt.Key.Key_Left)
    assert loupe.counter.text() == "6 of 12"
    assert [i.row() for i in window.grid.selectedIndexes()] == [5]
    qtbot.keyClick(loupe, Qt.Key.Key_Home)
    qtbot.keyClick(loupe, Qt.Key.Key_Left)  # nothing before the first
    assert loupe.counter.text() == "1 of 12"
    assert not loupe.previous.isEnabled()
    qtbot.keyClick(loupe, Qt.Key.Key_End)
    assert loupe.counter.text() == "12 of 12"
    loupe.next.click()
    assert loupe.counter.text() == "12 of 12"
    qtbot.keyClick(loupe, Qt.Key.Key_Escape)  # closes the loupe (the window's Escape would clear the search)
    assert not loupe.isVisible()
    assert window.grid.hasFocus()
    assert window.grid.currentIndex().row() == 11


def test_a_double_click_opens_it_and_space_closes_it(qtbot: QtBot, browsing: Callable) -> None:
    window, _ = browsing()
    grid = window.grid
    cell = grid.visualRect(window.results.index(2)).center()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # a real double-click: press first
    qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    # QTest's double-click ends on the second press: release it as a hand would, or the application believes
    # the button held for the rest of the session and later tests' pointers drag instead of hovering.
    qtbot.mouseRelease(grid.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert QApplication.mouseButtons() == Qt.MouseButton.NoButton
    qtbot.waitUntil(window.loupe.isVisible, timeout=5000)
    assert window.loupe.counter.text() == "3 of 12"
    qtbot.keyClick(window.loupe, Qt.Key.Key_Space)
    assert not window.loupe.isVisible()


def test_fit_then_100_percent_loads_every_pixel_upright_and_pans(qtbot: QtBot, browsing: Callable) -> None:
    window, big = browsing()
    loupe = open_loupe(qtbot, window, row_of(window, big))
    canvas = loupe.canvas
    box = canvas.fit_box()
    qtbot.waitUntil(lambda: canvas.image is not None and canvas.photo_size.width() == 1200, timeout=30_000)
    assert canvas.photo_size.height() == 1600  # EXIF orientation 6: shown upright
    qtbot.waitUntil(lambda: canvas.image.height() == min(box.height(), 1600), timeout=30_000)  # fitted, not full
    assert not canvas.has_full() and loupe.fit.isChecked()
    qtbot.keyClick(loupe, Qt.Key.Key_Z)
    assert canvas.zoomed and loupe.actual.isChecked()
    qtbot.waitUntil(canvas.has_full, timeout=30_000)
    assert (canvas.image.width(), canvas.image.height()) == (1200, 1600)
    assert canvas.note == ""
    top = canvas.photo_rect()
    assert top.height() > canvas.height()  # 1600 px tall: bigger than the view
    before = canvas.center
    qtbot.keyClick(loupe, Qt.Key.Key_Down)  # pans
    assert canvas.center.y() > before.y()
    before = canvas.center
    start = canvas.rect().center()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, start + QPoint(0, 40))
    qtbot.mouseMove(canvas, start + QPoint(0, 80))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start + QPoint(0, 80))
    assert canvas.zoomed  # a drag is not a click
    assert abs(canvas.center.y() - (before.y() - 80)) < 1  # dragged down 80 px: the photo followed
    qtbot.keyClick(loupe, Qt.Key.Key_1)
    assert not canvas.zoomed and loupe.fit.isChecked()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.rect().center())  # a click zooms in
    assert canvas.zoomed


def test_the_info_panel_says_where_the_date_comes_from(qtbot: QtBot, browsing: Callable, tmp_path: Path) -> None:
    window, big = browsing()
    loupe = open_loupe(qtbot, window, row_of(window, big))
    info = loupe.info
    assert "4 July 2021, 12:34" in info.date.text()
    assert info.date_source.text() == FROM_EXIF
    assert "1200 × 1600" in info.dimensions.text()
    assert info.file_size.text().endswith("KB")
    assert info.kind.text() == "JPEG"
    assert info.folder.full_text() == str(tmp_path / "photos")
    assert not info.score.isVisible()  # browsing: no score
    png = next(r for r in range(12) if window.results.hit(r).path.endswith(".png"))  # type: ignore[union-attr]
    loupe.show_row(png)
    assert info.date_source.text() == FROM_FILE
    assert info.kind.text() == "PNG"


def test_use_as_reference_sets_the_well_and_more_like_this_searches(qtbot: QtBot, browsing: Callable) -> None:
    window, big = browsing()
    loupe = open_loupe(qtbot, window, row_of(window, big))
    loupe.reference.click()
    assert not loupe.isVisible()
    assert window.search_bar.reference == str(big)
    qtbot.waitUntil(lambda: window.session.latest_query.image == str(big), timeout=10_000)  # type: ignore[union-attr]
    wait_idle(qtbot, window)
    loupe = open_loupe(qtbot, window, 3)
    other = loupe.path
    qtbot.keyClick(loupe, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert window.search_bar.reference == other


def test_open_and_show_in_folder_hand_the_photo_on(
    qtbot: QtBot, browsing: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _ = browsing()
    opened: list[str] = []
    shown: list[str] = []
    monkeypatch.setattr(files, "open_file", lambda p: opened.append(os.fspath(p)) or True)
    monkeypatch.setattr(files, "reveal", lambda p: shown.append(os.fspath(p)) or False)
    loupe = open_loupe(qtbot, window, 4)
    qtbot.keyClick(loupe, Qt.Key.Key_Return)
    loupe.reveal_button.click()
    assert opened == [loupe.path] and shown == [loupe.path]
    assert "Could not show" in window.statusBar().currentMessage()  # a failed action says why


def test_it_stays_on_its_photo_when_the_results_are_shown_again(qtbot: QtBot, browsing: Callable) -> None:
    window, big = browsing()
    loupe = open_loupe(qtbot, window, row_of(window, big))
    window.results.set_hits(list(reversed(window.results.hits())))
    assert loupe.isVisible() and loupe.path == str(big)
    assert loupe.counter.text() == f"{row_of(window, big) + 1} of 12"
    window.results.set_hits([])
    assert not loupe.isVisible()


def test_focus_going_to_the_search_field_closes_it(qtbot: QtBot, browsing: Callable) -> None:
    window, _ = browsing()
    loupe = open_loupe(qtbot, window, 0)
    window.activateWindow()
    qtbot.keyClick(loupe, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not loupe.isVisible(), timeout=5000)


@pytest.mark.parametrize("reader", ["qt", "pillow"])
def test_photos_are_decoded_upright_and_fitted_to_the_box(tmp_path: Path, reader: str) -> None:
    from PySide6.QtCore import QSize

    from desktop.gui import photo_loader

    path = exif_photo(tmp_path / "sideways.jpg", BIG, dt.datetime(2021, 7, 4), orientation=6)
    read = photo_loader.decode if reader == "qt" else photo_loader._read_with_pillow
    fitted = read(str(path), QSize(300, 300))
    assert (fitted.width, fitted.height) == (1200, 1600)  # the photo's own size, upright
    assert (fitted.image.width(), fitted.image.height()) == (225, 300)
    left_top = fitted.image.pixelColor(5, 5)  # turned upright: the red half of the stored picture is on top
    assert left_top.red() > 150 and left_top.blue() < 100
    full = read(str(path), photo_loader.FULL)
    assert full.full and (full.image.width(), full.image.height()) == (1200, 1600)


def test_a_photo_that_cannot_be_read_says_why(qtbot: QtBot, make_window: WindowFactory, tmp_path: Path) -> None:
    from desktop.library import Hit

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    window = make_window(start=False)
    window.results.set_hits([Hit(1, str(broken), 0.5)])  # type: ignore[list-item]
    window.stack.setCurrentWidget(window.grid)
    window.loupe.open_at(0)
    qtbot.waitUntil(lambda: window.loupe.canvas.message.startswith("Cannot show broken.jpg:"), timeout=20_000)
    assert "Cannot show broken.jpg" in window.statusBar().currentMessage()
