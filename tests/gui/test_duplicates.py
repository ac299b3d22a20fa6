"""Library › Find Duplicates: a known group of copies is listed with its keeper, and photos go to the trash
only after a confirmation, to a trash they can be restored from (here one in the test's temp folder)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

import desktop.trash
from desktop.gui.duplicates_view import DuplicatesView, GroupView
from desktop.gui.window import MainWindow
from desktop.shapes.world import Obj, Scene
from tests.gui.conftest import WindowFactory, random_photos, save_scene, wait_idle


@pytest.fixture
def trash_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The freedesktop trash of send2trash, moved into the test's temp folder: the user's own trash is
    never touched. (send2trash reads XDG_DATA_HOME when it is imported, so its module values are patched
    too, and its own implementation is used rather than GIO's, which would find the real trash.)"""
    plat_other = pytest.importorskip("send2trash.plat_other")
    home = tmp_path / "home"
    data = home / ".local" / "share"
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setattr(plat_other, "XDG_DATA_HOME", bytes(data))
    monkeypatch.setattr(plat_other, "HOMETRASH_B", bytes(data / "Trash"))
    monkeypatch.setattr(plat_other, "HOMETRASH", str(data / "Trash"))
    moved: list[str] = []

    def send(path: str) -> None:
        assert Path(path).resolve().is_relative_to(tmp_path.resolve()), "a test tried to trash a file outside it"
        plat_other.send2trash(path)
        moved.append(path)

    monkeypatch.setattr(desktop.trash, "backend", lambda: send)
    yield data / "Trash"


@pytest.fixture
def same_picture(tmp_path: Path) -> tuple[Path, list[Path]]:
    """A folder with one picture three times (the original, a byte copy, a half-size copy) and 6 others."""
    folder = tmp_path / "photos"
    random_photos(folder, 6, seed=5, prefix="other")
    scene = Scene("white", (Obj("star", "green", "large", "left"), Obj("circle", "red", "small", "right")))
    original = save_scene(folder / "beach.png", scene, seed=3, canvas=256)
    copy = folder / "beach copy.png"
    shutil.copyfile(original, copy)
    small = folder / "beach-small.jpg"
    with Image.open(original) as img:
        img.convert("RGB").resize((128, 128), Image.Resampling.LANCZOS).save(small, quality=92)
    return folder, [original, copy, small]


def open_view(qtbot: QtBot, window: MainWindow) -> DuplicatesView:
    window.chrome.actions["duplicates"].trigger()
    view = window.chrome.duplicates
    assert isinstance(view, DuplicatesView) and view.isVisible()
    qtbot.waitUntil(lambda: not view.running and view.report is not None, timeout=60_000)
    return view


def the_group(view: DuplicatesView, path: Path) -> GroupView:
    return next(g for g in view.groups if str(path) in {c.path for c in g.cards})


def test_the_view_lists_a_known_group_with_its_keeper(
    qtbot: QtBot, make_window: WindowFactory, same_picture: tuple[Path, list[Path]]
) -> None:
    folder, copies = same_picture
    window = make_window(roots=(folder,))
    wait_idle(qtbot, window)
    assert window.session.library_size == 9
    view = open_view(qtbot, window)
    group = the_group(view, copies[0])
    assert {c.path for c in group.cards} == {str(p) for p in copies}
    assert len(view.groups) == 1  # the six other pictures are not duplicates of anything
    keeper = group.cards[0]
    assert keeper.keep.isChecked() and keeper.badge.text() == "Suggested keeper"
    assert keeper.path != str(copies[2])  # the half-size copy is never the suggested keeper
    assert [c.badge.text() for c in group.cards[1:]] == ["", ""]
    assert "1 group" in view.summary.text() and "2 could go to the trash" in view.summary.text()
    # The pictures arrive, and every photo offers Open and Show in Folder.
    shown = lambda: all(not c.picture.pixmap().isNull() for c in group.cards)  # noqa: E731
    qtbot.waitUntil(shown, timeout=30_000)
    assert all(c.open_button.isEnabled() and c.reveal_button.isEnabled() for c in group.cards)


def test_photos_go_to_the_trash_only_after_confirmation(
    qtbot: QtBot, make_window: WindowFactory, same_picture: tuple[Path, list[Path]], trash_dir: Path
) -> None:
    folder, copies = same_picture
    window = make_window(roots=(folder,))
    wait_idle(qtbot, window)
    view = open_view(qtbot, window)
    group = the_group(view, copies[0])
    # Keep the half-size copy, for once: the other two are the ones to go.
    small = next(c for c in group.cards if c.path == str(copies[2]))
    small.keep.setChecked(True)
    going = {c.path for c in group.others()}
    assert going == {str(copies[0]), str(copies[1])}

    box = view.confirm_trash(group)
    assert box.objectName() == "confirmTrash" and box.isVisible()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert all(Path(p).exists() for p in going)  # asking moved nothing
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(200)
    assert all(Path(p).exists() for p in going) and not trash_dir.exists()

    group.trash_button.click()  # the button asks again
    box = next(b for b in view.findChildren(QMessageBox, "confirmTrash") if b.isVisible())
    move = next(b for b in box.buttons() if b.text() == "Move to Trash")
    with qtbot.waitSignal(view.trashFinished, timeout=30_000) as moved:
        move.click()
    assert sorted(moved.args[0].moved) == sorted(going) and not moved.args[0].failed
    assert not any(Path(p).exists() for p in going) and copies[2].exists()
    # In the trash, with what restoring needs: the file and where it came from.
    in_trash = sorted(p.name for p in (trash_dir / "files").iterdir())
    assert in_trash == sorted(Path(p).name for p in going)
    info = (trash_dir / "info" / "beach.png.trashinfo").read_text()
    assert f"Path={quote(str(copies[0]))}\n" in info
    # They leave the view, and the library forgets them.
    assert group not in view.groups and not view.groups
    assert "No duplicates" in view.summary.text()
    assert "Moved 2 photos to the trash" in view.message.text()
    qtbot.waitUntil(lambda: window.session.library_size == 7, timeout=60_000)


def test_a_photo_that_cannot_be_moved_says_why(
    qtbot: QtBot, make_window: WindowFactory, same_picture: tuple[Path, list[Path]], trash_dir: Path
) -> None:
    folder, copies = same_picture
    window = make_window(roots=(folder,))
    wait_idle(qtbot, window)
    view = open_view(qtbot, window)
    group = the_group(view, copies[0])
    going = [c.path for c in group.others()]
    Path(going[0]).unlink()  # gone behind the app's back
    box = view.confirm_trash(group)
    move = next(b for b in box.buttons() if b.text() == "Move to Trash")
    with qtbot.waitSignal(view.trashFinished, timeout=30_000) as done:
        move.click()
    report = done.args[0]
    assert report.moved == [going[1]]
    assert report.failed[0][0] == going[0] and "not there any more" in report.failed[0][1]
    failed = view.findChild(QMessageBox, "trashFailed")
    assert failed is not None and failed.isVisible()
    assert "could not be moved" in failed.text() and Path(going[0]).name in failed.informativeText()
    assert "Traceback" not in failed.informativeText() and "Errno" not in failed.informativeText()
    assert "Not moved" in view.message.text()
