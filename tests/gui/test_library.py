"""The library panel and the live library: progress, watching, failures, pause, first run."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.gui.failures import FailuresDialog
from desktop.gui.indexer import INDEXING, PAUSED
from desktop.gui.session import SETTING_THUMB_CACHE
from desktop.library import IndexProgress, IndexSummary
from tests.gui.conftest import WindowFactory, random_photos, save_scene, shown_long_ago, single, wait_idle


def test_first_run_shows_the_welcome_panel(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.welcome, timeout=10_000)
    assert window.library_panel.empty.isVisible()
    assert "0 photos" in window.statusBar().findChild(type(window.library_panel.empty), "statusSize").text()


def test_status_bar_keeps_qts_size(make_window: WindowFactory) -> None:
    """Its label for the library's size once shadowed QWidget.size(), which layouts call."""
    from PySide6.QtCore import QSize

    window = make_window()
    assert isinstance(window.statusBar().size(), QSize)


def test_progress_reaches_100_percent_in_the_panel(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    random_photos(tmp_path / "photos", 150)
    window = make_window(start=False)
    panel = window.library_panel
    seen: list[IndexProgress] = []
    window.session.indexer.progress.connect(seen.append)
    values: list[int] = []
    panel.progress.valueChanged.connect(values.append)
    # The steps in between, as the indexer reports them: the run below may be fast enough (or throttled
    # enough) to report none of them, so they are sent here rather than hoped for.
    for done in (0, 50, 100):
        panel.show_progress(IndexProgress("encoding", None, done, 150))
    assert values[-2:] == [33, 66]
    window.session.start()
    window.session.add_root(tmp_path / "photos")
    qtbot.waitUntil(lambda: bool(panel.rows), timeout=10_000)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].phase == "done", timeout=10_000)
    encoding = [p for p in seen if p.phase == "encoding" and p.total == 150]
    assert encoding and encoding[-1].done == 150
    assert values[-1] == 100
    assert panel.last_percent == 100
    assert panel.progress_label.full_text() == "Up to date"
    row = next(iter(panel.rows.values()))
    qtbot.waitUntil(lambda: "Up to date · 150 photos" in row.state.text(), timeout=5000)
    qtbot.waitUntil(lambda: not panel.progress.isVisible(), timeout=10_000)


def test_a_file_written_into_a_watched_folder_shows_up(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    photos = tmp_path / "photos"
    random_photos(photos, 8)
    reference = save_scene(tmp_path / "magenta.png", single("circle", "purple", background="black"), seed=5)
    window = make_window(roots=(photos,), watch=True)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.session.watch_modes.get(str(photos)) == "watching", timeout=10_000)
    window.search_bar.set_query("", reference)
    qtbot.waitUntil(lambda: window.results.rowCount() == 8, timeout=10_000)

    new = photos / "just-taken.png"
    save_scene(new, single("circle", "purple", background="black"), seed=6)  # like it, not the same file

    def shown() -> bool:
        return any(h.path == str(new) for h in window.results.hits())

    qtbot.waitUntil(shown, timeout=30_000)
    qtbot.waitUntil(lambda: window.results.rowCount() == 9, timeout=10_000)
    qtbot.waitUntil(lambda: window.session.library_size == 9, timeout=10_000)


def test_failed_files_are_listed_with_their_reason(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    photos = tmp_path / "photos"
    random_photos(photos, 3)
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    window = make_window(roots=(photos,))
    wait_idle(qtbot, window)
    panel = window.library_panel
    row = next(iter(panel.rows.values()))
    qtbot.waitUntil(lambda: "1 failed" in row.state.text(), timeout=10_000)
    row.state.linkActivated.emit("failed")
    dialog = panel.findChild(FailuresDialog, "failures")
    assert dialog is not None and dialog.isVisible()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == "broken.jpg"
    assert dialog.table.item(0, 1).text()
    dialog.close()


def test_pause_and_resume_indexing(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    random_photos(tmp_path / "photos", 30)
    window = make_window(start=False)
    indexer = window.session.indexer
    indexer.pause()
    assert window.library_panel.pause_button.text() == "Resume"
    window.session.start()
    window.session.add_root(tmp_path / "photos")
    qtbot.waitUntil(lambda: len(window.session.roots) == 1, timeout=10_000)
    qtbot.wait(300)
    assert indexer.state == PAUSED
    assert window.session.library_size == 0
    window.library_panel.pause_button.click()
    assert indexer.state == INDEXING
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.session.library_size == 30, timeout=10_000)
    assert window.library_panel.pause_button.text() == "Pause"


def test_remove_a_folder(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    random_photos(tmp_path / "a", 3)
    random_photos(tmp_path / "b", 2, seed=2)
    window = make_window(roots=(tmp_path / "a", tmp_path / "b"))
    wait_idle(qtbot, window)
    panel = window.library_panel
    assert len(panel.rows) == 2
    first = min(panel.rows)
    panel.confirm_remove(first)
    box = panel.findChild(QMessageBox, "confirmRemove")
    assert box is not None and box.isVisible()
    remove = next(b for b in box.buttons() if b.text() == "Remove")
    remove.click()
    qtbot.waitUntil(lambda: len(panel.rows) == 1, timeout=10_000)
    assert window.session.library_size == 2


def test_a_burst_of_new_files_is_absorbed_in_a_few_runs(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    window = make_window(roots=(photos,), watch=True)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.session.watch_modes.get(str(photos)) == "watching", timeout=10_000)
    runs: list[object] = []
    window.session.indexer.finished.connect(runs.append)
    random_photos(photos, 400, seed=9)  # a card reader emptying into the folder
    qtbot.waitUntil(lambda: window.session.library_size == 400 and not window.session.indexer.busy, timeout=60_000)
    assert len(runs) <= 8  # merged batches, not one run per file


def test_the_thumbnail_cache_is_pruned_to_its_setting_after_indexing(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    window = make_window()
    session = window.session
    wait_idle(qtbot, window)
    thumbs = shown_long_ago(session.thumbs, tmp_path / "seen", 2)
    session.set_setting(SETTING_THUMB_CACHE, "1")
    random_photos(tmp_path / "photos", 3)
    runs: list[IndexSummary] = []
    session.indexer.finished.connect(runs.append)

    session.add_root(tmp_path / "photos")
    qtbot.waitUntil(lambda: bool(runs), timeout=60_000)
    wait_idle(qtbot, window)

    assert runs[-1].indexed == 3
    assert session.thumbs.size_on_disk() <= 1 << 20
    assert thumbs[-1].exists() and not thumbs[0].exists()  # the least recently shown went first


def test_the_thumbnail_cache_is_pruned_at_start(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    window = make_window(start=False)
    session = window.session
    thumbs = shown_long_ago(session.thumbs, tmp_path / "seen", 2)
    assert session.library is not None
    session.library.catalog.writer().set_setting(SETTING_THUMB_CACHE, "1")

    session.start()
    wait_idle(qtbot, window)

    assert session.thumbs.size_on_disk() <= 1 << 20
    assert thumbs[-1].exists() and not thumbs[0].exists()
