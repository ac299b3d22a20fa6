"""The window's chrome: menus, help pages, theme, sidebar, keys, and what failed actions say; the fixes to the
reference well, the confirmations and the model list."""

from __future__ import annotations

import platform
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, Qt, QUrl, qVersion
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from desktop.gui.help import AboutDialog
from desktop.gui.session import READY, UNAVAILABLE
from desktop.gui.settings import Settings, SettingsDialog
from desktop.gui.theme import manager
from desktop.gui.window import MainWindow
from desktop.models.registry import DEFAULT_MODEL
from desktop.versions import package_version
from tests.gui.conftest import WindowFactory, needs_shapes_tiny, random_photos, save_scene, single, wait_idle


@pytest.fixture
def system_theme() -> Iterator[None]:
    """Whatever a test does to the theme, the next test starts with the platform's own colours."""
    yield
    if QApplication.instance() is not None:
        manager().apply("system")


def indexed(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, n: int = 6) -> tuple[MainWindow, list[Path]]:
    photos = random_photos(tmp_path / "photos", n)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    return window, photos


def search(qtbot: QtBot, window: MainWindow, text: str) -> None:
    window.search_bar.field.setFocus()
    qtbot.keyClicks(window.search_bar.field, text)
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.session.searching and window.results.rowCount() > 0, timeout=30_000)


def status_text(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


# -- the reference well -----------------------------------------------------------------------------


def test_the_wells_clear_button_is_inside_the_well_and_clears_it(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    photo = save_scene(tmp_path / "ref.png", single("square", "blue"))
    window = make_window()
    well = window.search_bar.well
    well.set_reference(photo)
    button = well.clear_button
    qtbot.waitUntil(button.isVisible, timeout=5000)
    assert well.rect().contains(button.geometry()), (button.geometry(), well.rect())
    centre = button.geometry().center()
    assert well.childAt(centre) is button  # drawn on top, where a click lands
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert well.path is None and not button.isVisible()
    assert window.search_bar.reference is None


# -- keys -------------------------------------------------------------------------------------------


def test_down_from_the_search_field_moves_into_the_results(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    window, _ = indexed(qtbot, tmp_path, make_window)
    search(qtbot, window, "red")
    grid = window.grid
    grid.selectionModel().clearSelection()
    field = window.search_bar.field
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=5000)
    qtbot.keyClick(field, Qt.Key.Key_Down)
    qtbot.waitUntil(grid.hasFocus, timeout=5000)
    assert grid.currentIndex().row() == 0
    assert [i.row() for i in grid.selectionModel().selectedIndexes()] == [0]
    qtbot.keyClick(grid, Qt.Key.Key_Right)  # and the arrows go on from there
    assert grid.currentIndex().row() == 1


def test_down_with_nothing_shown_stays_in_the_field(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    field = window.search_bar.field
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=5000)
    qtbot.keyClick(field, Qt.Key.Key_Down)
    assert field.hasFocus()


# -- failed actions say why -------------------------------------------------------------------------


def test_open_and_show_in_folder_of_a_missing_photo_say_why(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    window, _ = indexed(qtbot, tmp_path, make_window)
    search(qtbot, window, "blue")
    hit = window.results.hit(0)
    assert hit is not None
    Path(hit.path).unlink()  # gone behind the app's back; the folder watcher is off
    window.grid.select_row(0)
    window.grid.open_current()
    assert (
        status_text(window)
        == f"Cannot open {Path(hit.path).name}: it is not there any more (moved, renamed or deleted)"
    )
    window.grid.reveal_current()
    assert status_text(window).startswith(f"Cannot show {Path(hit.path).name} in its folder: it is not there")


def test_a_paste_without_a_photo_says_why(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    window = make_window()
    clipboard = QGuiApplication.clipboard()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path))])
    clipboard.setMimeData(mime)
    window.shortcut_actions["paste"].trigger()
    assert (
        status_text(window)
        == f"{tmp_path.name} is a folder, not a photo: drop it on the window to add it to the library"
    )
    clipboard.setText("just words")
    window.shortcut_actions["paste"].trigger()
    assert status_text(window).startswith("The clipboard holds text, not a photo")
    clipboard.clear()
    window.shortcut_actions["paste"].trigger()
    assert "empty" in status_text(window)
    assert window.search_bar.reference is None


# -- menus and help ---------------------------------------------------------------------------------


def test_the_menu_bar_has_library_view_and_help(make_window: WindowFactory) -> None:
    window = make_window()
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles[-3:] == ["Library", "View", "Help"]
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    names = [a.text().replace("&", "") for a in view.actions() if not a.isSeparator()]
    assert "Show Sidebar" in names and "Theme" in names


def test_the_shortcut_sheet_lists_the_real_keys(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    dialog = window.chrome.show_shortcuts()
    assert dialog.isVisible()
    text = dialog.findChild(QTextBrowser, "shortcutList").toPlainText()
    for action, keys in (("Find", "Ctrl+F"), ("Open", "Return"), ("Use as Reference", "Ctrl+R"),
                         ("Show Sidebar", "Ctrl+Shift+L"), ("Find Duplicates", "Ctrl+Shift+D"),
                         ("Go to the search field", "Ctrl+L"), ("Move to the results", "Down")):  # fmt: skip
        lines = text.splitlines()  # each cell of the table on a line: the action, then its keys
        at = next((i for i, ln in enumerate(lines) if ln.startswith(action)), None)
        assert at is not None and keys in lines[at + 1], (action, text)
    # Every key it names is one an action of the window really has.
    grid_keys = {s.toString() for a in window.grid.actions() for s in a.shortcuts()}
    assert "Ctrl+M" in grid_keys and "Ctrl+M" in text


def test_search_tips_describe_the_query_syntax(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    window.chrome.actions["tips"].trigger()
    dialog = window.chrome.dialogs["tips"]
    assert dialog.isVisible() and dialog.windowTitle() == "Search Tips"
    text = dialog.findChild(QTextBrowser, "searchTips").toPlainText()
    assert "beach -people" in text and '-"cloudy sky"' in text  # negatives, one word and a phrase
    assert "2:sunset beach" in text  # weights
    assert "reference" in text.lower() and "make the sky darker" in text  # composed search


def test_about_shows_versions_and_the_model(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.session.model_state == READY, timeout=20_000)
    dialog = window.chrome.show_about()
    assert isinstance(dialog, AboutDialog) and dialog.isVisible()
    rows = dict(dialog.rows)
    assert rows["Reframe"] == "0.1.0"
    assert rows["Python"].startswith(platform.python_version())
    assert rows["Qt"].startswith(qVersion())
    assert rows["ONNX Runtime"] == package_version("onnxruntime") != "not installed"
    assert rows["PyTorch"] == package_version("torch")  # "not installed" on the base install
    assert rows["Model"].startswith("test-pixels")
    assert "Runs on" in rows and rows["Library"] == str(window.session.library.paths.root)
    shown = dialog.table.text()
    assert qVersion() in shown and "test-pixels" in shown
    dialog.copy()
    assert f"Qt: {rows['Qt']}" in QGuiApplication.clipboard().text()


# -- theme and sidebar ------------------------------------------------------------------------------


def test_the_theme_switch_is_applied_and_kept(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, system_theme: None
) -> None:
    window = make_window()
    light = QApplication.palette().color(QPalette.ColorRole.Window).lightness()
    assert window.chrome.actions["theme-system"].isChecked()
    window.chrome.actions["theme-dark"].trigger()
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 100 < light
    muted_label = window.empty.detail  # secondary text follows the theme, readable on dark
    assert muted_label.palette().color(QPalette.ColorRole.WindowText).lightness() > 150
    qtbot.waitUntil(lambda: window.session.setting("gui.theme") == "dark", timeout=10_000)
    window.shutdown()
    window.close()

    manager().apply("system")  # a new start: the setting alone brings it back
    again = make_window()
    assert again.chrome.actions["theme-dark"].isChecked()
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 100
    again.chrome.actions["theme-light"].trigger()
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 150
    qtbot.waitUntil(lambda: again.session.setting("gui.theme") == "light", timeout=10_000)


def test_the_sidebar_collapses_and_stays_collapsed(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    panel = window.library_panel
    assert panel.isVisible()
    field = window.search_bar.field
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=5000)
    qtbot.keyClick(field, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=5000)
    assert not window.chrome.actions["sidebar"].isChecked()
    assert window.search_bar.width() > 0 and window.stack.isVisible()
    qtbot.waitUntil(lambda: window.session.setting("gui.sidebar") == "0", timeout=10_000)
    window.shutdown()
    window.close()
    again = make_window()
    assert not again.library_panel.isVisible() and not again.chrome.actions["sidebar"].isChecked()
    again.chrome.actions["sidebar"].trigger()
    assert again.library_panel.isVisible()


# -- confirmations ----------------------------------------------------------------------------------


def test_remove_folder_is_not_the_default_button(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    random_photos(tmp_path / "a", 2)
    window = make_window(roots=(tmp_path / "a",))
    qtbot.waitUntil(lambda: len(window.library_panel.rows) == 1, timeout=10_000)
    window.library_panel.confirm_remove(next(iter(window.library_panel.rows)))
    box = window.library_panel.findChild(QMessageBox, "confirmRemove")
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert box.escapeButton() is box.button(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter cancels
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
    wait_idle(qtbot, window)
    assert len(window.library_panel.rows) == 1


@needs_shapes_tiny
def test_training_a_combiner_asks_first_when_one_exists(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window("shapes-tiny", start=False)  # shapes-tiny ships a Combiner
    started: list[bool] = []
    monkeypatch.setattr(window.session.combiner_training, "start", lambda: started.append(True) or True)
    window.start_training()
    box = window.findChild(QMessageBox, "confirmTrain")
    assert box is not None and box.isVisible() and not started
    assert "already has a Combiner" in box.text() and "ships one" in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert not started
    window.start_training()
    box = next(b for b in window.findChildren(QMessageBox, "confirmTrain") if b.isVisible())
    next(b for b in box.buttons() if b.text() == "Train a New One").click()
    assert started == [True]


def test_training_without_a_combiner_starts_at_once(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(start=False)  # test-pixels has no Combiner
    started: list[bool] = []
    monkeypatch.setattr(window.session.combiner_training, "start", lambda: started.append(True) or True)
    window.start_training()
    assert started == [True] and window.findChild(QMessageBox, "confirmTrain") is None


# -- the model: list, unavailable, bad weights ------------------------------------------------------


def test_the_model_list_shows_description_size_and_download_state(qtbot: QtBot) -> None:
    status = {DEFAULT_MODEL: "missing", "shapes-tiny": "bundled"}
    dialog = SettingsDialog(Settings(model=DEFAULT_MODEL), model_status=lambda name: status.get(name, "downloaded"))
    qtbot.addWidget(dialog)
    items = {dialog.model.itemData(i): dialog.model.itemText(i) for i in range(dialog.model.count())}
    assert items[DEFAULT_MODEL] == f"{DEFAULT_MODEL} · 605 MB · not downloaded"
    assert items["ViT-L-14/laion2b_s32b_b82k"].endswith("1.7 GB · downloaded")
    assert items["shapes-tiny"].startswith("shapes-tiny · ") and items["shapes-tiny"].endswith(" · included")
    assert "Good all-round quality" in dialog.model_detail.text()
    assert "downloaded (605 MB) the first time" in dialog.model_detail.text()
    dialog.model.setCurrentIndex(dialog.model.findData("shapes-tiny"))
    assert "synthetic shapes" in dialog.model_detail.text() and "works offline" in dialog.model_detail.text()


def test_after_the_model_dialog_is_closed_the_empty_state_reopens_it(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    window = make_window(DEFAULT_MODEL)
    qtbot.waitUntil(lambda: window.model_dialog is not None and window.model_dialog.isVisible(), timeout=60_000)
    first = window.model_dialog
    first.reject()
    qtbot.waitUntil(lambda: not first.isVisible(), timeout=5000)
    window._roots_known = True
    window.session.search("a dog", None)  # a query: the empty state rather than the welcome panel
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.empty, timeout=10_000)
    button = window.empty.findChild(QPushButton, "emptyAction")
    assert button.isVisible() and "not available" in window.empty.title.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model_dialog is not None and window.model_dialog.isVisible(), timeout=5000)
    assert window.session.model_state == UNAVAILABLE
    assert "REFRAME_OFFLINE" in window.model_dialog.error.message


def test_welcome_demo_button_is_wired(make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    asked: list[bool] = []
    monkeypatch.setattr(window.demo.session, "setup_demo", lambda: asked.append(True))
    window.welcome.findChild(QPushButton, "welcomeDemo").click()
    assert asked == [True]


# -- the demo without the default model -------------------------------------------------------------


@needs_shapes_tiny
def test_the_demo_works_offline_on_the_demo_model(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    """Offline on a first run the default model cannot be had: the demo switches this session to shapes-tiny,
    says what it understands, and searching works; photos of one's own on it get a warning."""
    from desktop.gui.demo_mode import INFO, WARNING

    window = make_window(DEFAULT_MODEL)  # REFRAME_OFFLINE=1: its weights cannot be downloaded
    qtbot.waitUntil(lambda: window.model_dialog is not None and window.model_dialog.isVisible(), timeout=60_000)
    window.model_dialog.reject()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.welcome, timeout=10_000)
    qtbot.mouseClick(window.welcome.findChild(QPushButton, "welcomeDemo"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.model_name == "shapes-tiny", timeout=30_000)
    qtbot.waitUntil(lambda: window.session.model_state == READY, timeout=60_000)
    assert window.notice.isVisible() and window.notice.kind == INFO
    assert "only understands the demo's synthetic scenes" in window.notice.text.text()
    assert DEFAULT_MODEL in window.notice.text.text()
    # The demo's composed query is filled in and answered.
    qtbot.waitUntil(lambda: window.search_bar.reference is not None, timeout=120_000)
    wait_idle(qtbot, window, timeout=180_000)
    assert window.session.library_size == 300
    qtbot.waitUntil(lambda: window.results.rowCount() > 0, timeout=30_000)
    assert window.search_bar.mode in ("combiner", "sum")
    # A search of one's own works too.
    window.search_bar.set_query("a red circle", None)
    qtbot.waitUntil(lambda: window.search_bar.mode == "text" and window.results.rowCount() > 0, timeout=30_000)
    # For this session only: the library's model stays the default.
    assert window.session.library.catalog.get_setting("model") in (None, DEFAULT_MODEL)
    assert not window.model_dialog.isVisible()

    # Real photos on the demo model: a warning that their results mean nothing.
    random_photos(tmp_path / "mine", 3)
    window.session.add_root(tmp_path / "mine")
    qtbot.waitUntil(lambda: window.notice.kind == WARNING, timeout=60_000)
    assert "meaningless" in window.notice.text.text() and "mine" in window.notice.text.text()


@needs_shapes_tiny
def test_the_demo_asked_for_while_the_model_loads_switches_when_it_fails(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window(DEFAULT_MODEL, start=False)
    assert window.session.model_state != READY
    window.demo.start()  # the default model's fate is not known yet: the demo is built for it
    window.session.start()  # ... and its loading fails (offline)
    qtbot.waitUntil(lambda: window.session.model_name == "shapes-tiny", timeout=60_000)
    qtbot.waitUntil(lambda: window.session.model_state == READY, timeout=60_000)
    wait_idle(qtbot, window, timeout=180_000)
    assert window.session.library_size == 300
    assert window.model_dialog is None or not window.model_dialog.isVisible()  # closed: the demo needs nothing
    qtbot.waitUntil(lambda: window.results.rowCount() > 0, timeout=30_000)
