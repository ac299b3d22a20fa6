"""Searching through the real widgets: drops on the well, typing, using a result as the reference."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.gui.window import MainWindow
from desktop.library import Hit
from tests.gui.conftest import WindowFactory, needs_shapes_tiny, random_photos, save_scene, single, wait_idle


def drop_mime(widget: QWidget, mime: QMimeData) -> QDropEvent:
    """Deliver what a drag delivers: a drag-enter, then the drop (Qt hands a drop only to the widget that
    accepted the drag)."""
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(10, 10), *args)  # Qt takes a QPoint here and a QPointF for the drop
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the widget refused the drag"
    drop = QDropEvent(QPointF(10, 10), *args)
    QApplication.sendEvent(widget, drop)
    return drop


def drop_files(widget: QWidget, *paths: Path) -> QDropEvent:
    """A drop of files from the file manager: file URLs."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return drop_mime(widget, mime)


def wait_for_results(qtbot: QtBot, window: MainWindow, *, text: str | None = None, image: str | None = None) -> None:
    """Until the grid shows the results of the query with this text and reference."""

    def shown() -> bool:
        q = window.session.latest_query
        if q is None or window.session.searching or window.results.rowCount() == 0:
            return False
        return (text is None or q.text == text) and (image is None or q.image == image)

    qtbot.waitUntil(shown, timeout=30_000)


def search_for(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Type ``text`` in the search field and wait until the grid shows its results."""
    qtbot.keyClicks(window.search_bar.field, text)
    wait_for_results(qtbot, window, text=text)


IndexedWindow = Callable[[int], tuple[MainWindow, list[Path]]]


@pytest.fixture
def indexed_window(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> IndexedWindow:
    """``indexed_window(n)``: ``n`` random photos in ``tmp_path/photos``, a test-pixels window on that folder,
    once it has indexed them all; returns the window and the photos."""

    def make(n: int) -> tuple[MainWindow, list[Path]]:
        photos = random_photos(tmp_path / "photos", n)
        window = make_window(roots=(tmp_path / "photos",))
        wait_idle(qtbot, window)
        return window, photos

    return make


@needs_shapes_tiny
def test_drop_a_reference_and_type_a_change(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    library = {
        "red-square-white.png": single("square", "red"),
        "red-square-white-small.png": single("square", "red", size="small", position="left"),
        "red-square-black.png": single("square", "red", background="black"),
        "red-circle-white.png": single("circle", "red"),
        "green-square-white.png": single("square", "green"),
        "blue-circle-white.png": single("circle", "blue"),
        "yellow-triangle-gray.png": single("triangle", "yellow", background="gray"),
        "purple-star-beige.png": single("star", "purple", background="beige"),
        "blue-square-beige.png": single("square", "blue", background="beige", size="small", position="right"),
        "orange-circle-black.png": single("circle", "orange", background="black", position="top"),
    }
    for i, (name, scene) in enumerate(library.items()):
        save_scene(photos / name, scene, seed=i)
    reference = save_scene(tmp_path / "reference.png", single("square", "blue"), seed=99)
    window = make_window("shapes-tiny", (photos,))
    wait_idle(qtbot, window, timeout=120_000)
    assert window.session.library_size == len(library)

    drop_files(window.search_bar.well, reference)
    assert window.search_bar.reference == str(reference)
    qtbot.keyClicks(window.search_bar.field, "make the square red")
    wait_for_results(qtbot, window, text="make the square red", image=str(reference))

    assert window.search_bar.mode in ("combiner", "sum")  # composed
    assert "Composed search" in window.search_bar.status.full_text()
    top = window.results.hit(0)
    assert top is not None
    assert Path(top.path).name.startswith("red-square-white"), [Path(h.path).name for h in window.results.hits()]


def test_a_dropped_photo_alone_finds_similar_photos(qtbot: QtBot, indexed_window: IndexedWindow) -> None:
    window, photos = indexed_window(12)
    event = drop_files(window.search_bar.well, photos[3])
    assert event.isAccepted()
    wait_for_results(qtbot, window, image=str(photos[3]))
    assert window.search_bar.mode == "image"
    assert str(photos[3]) not in [h.path for h in window.results.hits()]  # the reference is not its own result
    assert window.grid.isVisible()


def test_use_a_result_as_the_reference(qtbot: QtBot, indexed_window: IndexedWindow) -> None:
    window, photos = indexed_window(12)
    drop_files(window.search_bar.well, photos[0])
    qtbot.keyClicks(window.search_bar.field, "make it brighter")
    wait_for_results(qtbot, window, text="make it brighter", image=str(photos[0]))

    well = window.search_bar.well
    qtbot.waitUntil(lambda: not well.picture.pixmap().isNull())  # the dropped photo's thumbnail
    first = well.picture.pixmap().cacheKey()

    window.grid.setFocus()
    window.grid.select_row(2)
    chosen = window.results.hit(2)
    assert chosen is not None
    window.grid.actions_by_name["reference"].trigger()

    assert window.search_bar.reference == chosen.path
    assert well.clear_button.isVisibleTo(well)
    qtbot.waitUntil(lambda: well.picture.pixmap().cacheKey() != first)  # now the chosen one's
    assert window.search_bar.field.hasFocus()  # ready for the next change
    assert window.search_bar.field.text() == "make it brighter"
    wait_for_results(qtbot, window, text="make it brighter", image=chosen.path)
    assert window.search_bar.mode in ("combiner", "sum")
    assert chosen.path not in [h.path for h in window.results.hits()]


def test_more_like_this_runs_an_image_search(qtbot: QtBot, indexed_window: IndexedWindow) -> None:
    window, _ = indexed_window(10)
    search_for(qtbot, window, "anything")
    assert window.search_bar.mode == "text"
    window.grid.setFocus()
    window.grid.select_row(1)
    chosen = window.results.hit(1)
    assert chosen is not None
    qtbot.keyClick(window.grid, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    wait_for_results(qtbot, window, text="", image=chosen.path)
    assert window.search_bar.mode == "image"
    assert window.search_bar.field.text() == ""


def test_a_result_drags_out_as_a_file_and_drops_on_the_well(qtbot: QtBot, indexed_window: IndexedWindow) -> None:
    window, _ = indexed_window(6)
    search_for(qtbot, window, "x")
    mime = window.results.mimeData([window.results.index(0)])
    hit = window.results.hit(0)
    assert hit is not None
    assert [u.toLocalFile() for u in mime.urls()] == [hit.path]
    assert window.results.flags(window.results.index(0)) & Qt.ItemFlag.ItemIsDragEnabled
    drop_mime(window.search_bar.well, mime)
    assert window.search_bar.reference == hit.path
    wait_for_results(qtbot, window, text="x", image=hit.path)


def test_tooltip_shows_path_and_score_and_space_opens_the_loupe(qtbot: QtBot, indexed_window: IndexedWindow) -> None:
    window, _ = indexed_window(5)
    search_for(qtbot, window, "y")
    hit = window.results.hit(0)
    assert hit is not None
    tip = window.results.data(window.results.index(0), Qt.ItemDataRole.ToolTipRole)
    assert hit.path in tip and f"{hit.score:.3f}" in tip
    window.grid.setFocus()
    window.grid.select_row(0)
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    loupe = window.loupe
    qtbot.waitUntil(loupe.isVisible, timeout=5000)
    assert loupe.row == 0
    assert f"{hit.score:.3f}" in loupe.info.score.text()
    qtbot.waitUntil(lambda: loupe.canvas.image is not None and not loupe.canvas.message, timeout=20_000)
    qtbot.keyClick(loupe, Qt.Key.Key_Space)
    assert not loupe.isVisible()


def test_ten_thousand_results_load_only_visible_thumbnails(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    photos = random_photos(tmp_path / "few", 4)
    window = make_window(start=False)
    window.resize(1000, 700)
    hits = [Hit(i, str(tmp_path / "many" / f"{i:05d}.png"), 1.0 - i / 20000) for i in range(10_000)]
    hits[:4] = [Hit(100_000 + i, str(p), 1.0) for i, p in enumerate(photos)]
    window.results.set_hits(hits)
    window.stack.setCurrentWidget(window.grid)
    qtbot.waitUntil(lambda: window.loader.requests > 0, timeout=5000)
    qtbot.wait(200)
    assert window.results.rowCount() == 10_000
    assert window.loader.requests < 200  # what is on screen, not ten thousand
    qtbot.waitUntil(lambda: window.loader.pixmap(str(photos[0]), window.results.thumbnail_size) is not None)
    window.grid.scrollToBottom()
    qtbot.waitUntil(lambda: window.loader.requests >= 2, timeout=5000)
    qtbot.wait(200)
    assert window.loader.requests < 400
