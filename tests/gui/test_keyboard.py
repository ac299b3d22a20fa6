"""Keyboard: Ctrl+F focuses the search, Enter runs it, Esc clears it, Ctrl+V pastes a reference."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, random_photos, wait_idle


def test_ctrl_f_focuses_the_search_field(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.welcome, timeout=10_000)
    button = window.welcome.findChild(QPushButton, "welcomeAdd")
    button.setFocus()
    assert button.hasFocus()
    qtbot.keyClick(button, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_bar.field.hasFocus()


def test_enter_searches_at_once_and_typing_after_a_pause(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    random_photos(tmp_path / "photos", 5)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    field = window.search_bar.field
    field.setFocus()
    qtbot.keyClicks(field, "a red")
    assert window.session.latest_query is None or window.session.latest_query.text != "a red"  # debounced
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.session.latest_query is not None and window.session.latest_query.text == "a red"
    qtbot.keyClicks(field, " circle")
    qtbot.waitUntil(lambda: window.session.latest_query.text == "a red circle", timeout=2000)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: window.results.rowCount() == 5, timeout=10_000)


def test_escape_clears_the_text_then_the_reference(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    photos = random_photos(tmp_path / "photos", 5)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    window.search_bar.set_query("something", photos[0])
    qtbot.waitUntil(lambda: window.results.rowCount() == 4, timeout=10_000)  # the reference itself is left out
    field = window.search_bar.field
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == ""
    assert window.search_bar.reference == str(photos[0])  # one thing at a time: the reference stays
    qtbot.waitUntil(lambda: window.session.latest_query.text == "", timeout=2000)  # type: ignore[union-attr]
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert window.search_bar.reference is None
    # Nothing left to search: the library again, all five photos.
    qtbot.waitUntil(lambda: window.search_bar.status.text().startswith("5 photos"), timeout=10_000)
    assert window.results.rowCount() == 5 and window.stack.currentWidget() is window.grid
    # From the grid too.
    window.search_bar.set_query("again")
    qtbot.waitUntil(lambda: "Text search" in window.search_bar.status.text(), timeout=10_000)
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_Escape)
    assert field.text() == ""
    qtbot.waitUntil(lambda: window.search_bar.status.text().startswith("5 photos"), timeout=10_000)


def test_arrows_move_in_the_grid(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    random_photos(tmp_path / "photos", 6)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    window.search_bar.set_query("z")
    qtbot.waitUntil(lambda: window.results.rowCount() == 6, timeout=10_000)
    window.grid.setFocus()
    assert window.grid.currentIndex().row() == 0
    qtbot.keyClick(window.grid, Qt.Key.Key_Right)
    assert window.grid.currentIndex().row() == 1


def test_ctrl_v_pastes_a_file_url_as_the_reference(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    photos = random_photos(tmp_path / "photos", 3)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photos[1]))])
    QGuiApplication.clipboard().setMimeData(mime)
    field = window.search_bar.field
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.search_bar.reference == str(photos[1])
    assert field.text() == ""  # the path was not pasted as text
    qtbot.waitUntil(lambda: window.results.rowCount() == 2, timeout=10_000)
    assert window.search_bar.mode == "image"


def test_ctrl_v_pastes_image_data_as_a_saved_reference(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    random_photos(tmp_path / "photos", 3)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("orange"))
    QGuiApplication.clipboard().setImage(image)
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    ref = window.search_bar.reference
    assert ref is not None
    saved = Path(ref)
    assert saved.is_file() and saved.parent == window.session.paste_dir
    assert QImage(str(saved)).size() == image.size()
    qtbot.waitUntil(lambda: window.results.rowCount() == 3, timeout=10_000)


def test_plain_text_on_the_clipboard_pastes_into_the_field(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    QGuiApplication.clipboard().setText("a blue star")
    field = window.search_bar.field
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert field.text() == "a blue star"
    assert window.search_bar.reference is None
