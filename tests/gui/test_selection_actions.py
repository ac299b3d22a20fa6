"""Grid and selection: Copy Images, Export…, Open With, "N selected", the thumbnail size (keys, slider,
Ctrl+scroll, kept in the library) and cells filled edge to edge by the photo's centre."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.gui.delegate import PAD
from desktop.gui.export_dialog import ExportDialog
from desktop.gui.session import SETTING_THUMB
from desktop.gui.window import MainWindow
from tests.gui.conftest import WindowFactory, random_photos, wait_idle


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> MainWindow:
    """Browsing 8 photos."""
    random_photos(tmp_path / "photos", 8)
    w = make_window(roots=(tmp_path / "photos",), library=tmp_path / "library")
    w.resize(1000, 700)
    wait_idle(qtbot, w)
    qtbot.waitUntil(lambda: w.results.rowCount() == 8, timeout=30_000)
    return w


def select(window: MainWindow, rows: list[int]) -> None:
    grid = window.grid
    grid.setFocus()
    grid.clearSelection()
    flag = QItemSelectionModel.SelectionFlag.Select
    for row in rows:
        grid.selectionModel().select(window.results.index(row), flag)
    grid.selectionModel().setCurrentIndex(window.results.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate)


def paths(window: MainWindow, rows: list[int]) -> list[str]:
    return [window.results.hit(r).path for r in rows]  # type: ignore[union-attr]


def test_n_selected_in_the_status_bar(qtbot: QtBot, window: MainWindow) -> None:
    label = window.statusBar().selection
    select(window, [0, 1, 2, 4, 6])
    assert label.text() == "5 selected" and label.isVisible()
    window.grid.clearSelection()
    assert not label.isVisible()
    select(window, [3])
    assert label.text() == "1 selected"
    seq = window.session.latest_query.seq  # type: ignore[union-attr]
    window.session.rerun()  # the same list again (the library changed): the selection is kept
    qtbot.waitUntil(lambda: window.session.latest_query.seq > seq and not window.session.searching, timeout=20_000)  # type: ignore[union-attr]
    qtbot.wait(50)
    assert label.text() == "1 selected" and label.isVisible()
    window.search_bar.set_query("something else")  # a new result list: nothing selected
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=20_000)


def test_copy_images_puts_file_urls_and_for_one_photo_the_picture(qtbot: QtBot, window: MainWindow) -> None:
    select(window, [1, 3])
    qtbot.keyClick(window.grid, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    mime = QGuiApplication.clipboard().mimeData()
    assert [u.toLocalFile() for u in mime.urls()] == paths(window, [1, 3])
    assert mime.text().splitlines() == paths(window, [1, 3])
    assert "Copied 2 photos" in window.statusBar().currentMessage()
    select(window, [2])
    window.grid.actions_by_name["copy"].trigger()
    assert [u.toLocalFile() for u in QGuiApplication.clipboard().mimeData().urls()] == paths(window, [2])
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().mimeData().hasImage(), timeout=20_000)
    image = QGuiApplication.clipboard().image()
    with Image.open(paths(window, [2])[0]) as photo:
        assert (image.width(), image.height()) == photo.size
    assert [u.toLocalFile() for u in QGuiApplication.clipboard().mimeData().urls()] == paths(window, [2])


def test_copying_a_photo_that_is_gone_says_why(qtbot: QtBot, window: MainWindow) -> None:
    select(window, [0])
    Path(paths(window, [0])[0]).unlink()
    window.grid.actions_by_name["copy"].trigger()
    assert "no longer there" in window.statusBar().currentMessage()


def test_export_copies_and_never_overwrites(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    rows = [0, 2, 5]
    chosen = paths(window, rows)
    out = tmp_path / "out"
    out.mkdir()
    clash = out / Path(chosen[1]).name
    clash.write_bytes(b"a file that was there first")
    select(window, rows)
    dialog = window.selection_actions.export_to(window.selection_actions.selected_paths(), str(out))
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30_000)
    assert clash.read_bytes() == b"a file that was there first"  # unchanged
    stem, ext = clash.stem, clash.suffix
    renamed = out / f"{stem} (2){ext}"
    assert renamed.read_bytes() == Path(chosen[1]).read_bytes()
    for source in (chosen[0], chosen[2]):
        assert (out / Path(source).name).read_bytes() == Path(source).read_bytes()
    assert len(list(out.iterdir())) == 4
    assert dialog.summary.text().startswith("Exported 3 photos to out (1 renamed")
    assert f"{clash.name} → {renamed.name}" in dialog.details.toPlainText()
    assert "Exported 3 photos" in window.statusBar().currentMessage()
    assert dialog.close_button.isVisible() and not dialog.stop_button.isVisible()
    dialog.close()


def test_export_to_a_folder_that_is_gone_says_why(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    dialog = window.selection_actions.export_to(paths(window, [0]), str(tmp_path / "gone"))
    qtbot.waitUntil(lambda: dialog.close_button.isVisible(), timeout=30_000)
    assert "no such folder" in dialog.summary.text()
    assert "no such folder" in window.statusBar().currentMessage()
    dialog.close()


def test_open_with_lists_the_applications_of_the_type(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "share" / "applications"
    data.mkdir(parents=True)
    (data / "fake.desktop").write_text("[Desktop Entry]\nType=Application\nName=Fake Viewer\nExec=true %F\n")
    (data / "broken.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Broken Viewer\nExec=no-such-program-reframe %f\n"
    )
    (data / "mimeinfo.cache").write_text("[MIME Cache]\nimage/png=fake.desktop;broken.desktop;\n")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "nothing"))
    actions = window.selection_actions
    menu = actions.open_with_menu
    actions.fill_open_with(menu, paths(window, [0]))
    names = [a.text() for a in menu.actions()]
    assert names == ["Broken Viewer", "Fake Viewer"]
    menu.actions()[1].trigger()
    assert "in Fake Viewer" in window.statusBar().currentMessage()
    menu.actions()[0].trigger()
    assert "could not be started" in window.statusBar().currentMessage()
    actions._apps.clear()
    actions.fill_open_with(menu, [str(tmp_path / "x.heic")])
    assert [a.text() for a in menu.actions()] == ["No applications are registered for HEIC images"]
    assert "open_with" in window.grid.menu_entries and window.grid.actions_by_name["open_with"].menu() is menu


def test_thumbnail_size_by_keys_slider_and_ctrl_scroll_is_kept(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, make_window: WindowFactory
) -> None:
    sizer = window.thumb_size
    grid = window.grid
    start = window.results.thumbnail_size
    assert start == 160 and sizer.slider.value() == 160
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.results.thumbnail_size == 192 and sizer.slider.value() == 192
    qtbot.keyClick(grid, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(grid, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.results.thumbnail_size == 128
    sizer.slider.setValue(250)  # dragged to a value between steps: snaps
    assert window.results.thumbnail_size == 256
    assert grid.metrics().cell_width >= 256  # the grid lays its cells out at the new size
    wheel = QWheelEvent(
        QPointF(50, 50), QPointF(grid.viewport().mapToGlobal(QPoint(50, 50))), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(grid.viewport(), wheel)
    assert window.results.thumbnail_size == 288
    qtbot.waitUntil(lambda: window.session.setting(SETTING_THUMB) == "288", timeout=10_000)
    window.shutdown()
    window.close()
    again = make_window(library=tmp_path / "library")
    assert again.results.thumbnail_size == 288 and again.thumb_size.slider.value() == 288


def test_cells_are_filled_by_the_centre_of_a_wide_photo(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    folder = tmp_path / "wide"
    folder.mkdir()
    wide = Image.new("RGB", (600, 200), (20, 20, 220))  # blue sides, a red middle third
    wide.paste((220, 20, 20), (200, 0, 400, 200))
    wide.save(folder / "wide.png")
    window = make_window(roots=(folder,))
    window.resize(900, 600)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.rowCount() == 1, timeout=30_000)
    hit = window.results.hit(0)
    size = window.results.thumbnail_size
    assert window.results.fill_size(hit) == 3 * size  # short side covers the cell  # type: ignore[arg-type]
    grid = window.grid
    qtbot.waitUntil(lambda: window.loader.pixmap(hit.path, 3 * size) is not None, timeout=20_000)  # type: ignore[union-attr]
    grid.viewport().update()
    cell = grid.visualRect(window.results.index(0))
    left = cell.x() + (cell.width() - size) // 2
    image = grid.viewport().grab().toImage()
    for x, y in ((left + 3, cell.y() + PAD + 3), (left + size - 4, cell.y() + PAD + size - 4)):
        colour = image.pixelColor(x, y)  # the box's corners: the photo (its red middle), not a letterbox
        assert colour.red() > 180 and colour.blue() < 80, (x, y, colour.name())
