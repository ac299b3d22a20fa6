"""pytest-qt fixtures for the desktop app: offscreen, offline, real widgets on a library in a temp dir."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.gui import messages
from desktop.gui.session import Session
from desktop.gui.window import MainWindow
from desktop.library import Library
from desktop.paths import RESOURCES
from desktop.shapes.render import Style, render
from desktop.shapes.world import Obj, Scene, random_scene
from desktop.thumbs import ThumbnailCache
from tests.ingest.hostile import noisy_image

SHAPES_WEIGHTS = RESOURCES / "models" / "shapes-tiny" / "model.safetensors"
needs_shapes_tiny = pytest.mark.skipif(
    not SHAPES_WEIGHTS.is_file(),
    reason=f"shapes-tiny weights are not bundled yet ({SHAPES_WEIGHTS} is missing)",
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFRAME_OFFLINE", "1")  # never download anything
    monkeypatch.setenv("REFRAME_TEST_MODELS", "1")  # allow the torch-free test-pixels encoder
    monkeypatch.delenv("REFRAME_HOME", raising=False)


@pytest.fixture(autouse=True)
def _empty_clipboard() -> Iterator[None]:
    """Leave the clipboard empty: mime data a test put there and nothing replaced is still owned by the
    clipboard when the interpreter exits, and tearing it down after QApplication crashed the process
    (exit status 139, after every test had passed) whenever such a test happened to run last."""
    yield
    if QApplication.instance() is not None:
        QApplication.clipboard().clear()


@pytest.fixture(autouse=True)
def _no_button_left_pressed() -> Iterator[None]:
    """A test that leaves a mouse button pressed (QTest's double-click ends on a press) makes the application
    believe it held for the rest of the session: a later test's pointer drags instead of hovering, and that
    test fails in some orders only. Say so where it happens."""
    yield
    if QApplication.instance() is not None:
        assert QApplication.mouseButtons() == Qt.MouseButton.NoButton, "the test left a mouse button pressed"


@pytest.fixture
def shown_errors() -> Iterator[list[BaseException]]:
    """Every error the app showed to the user during the test."""
    seen: list[BaseException] = []
    messages.listeners.append(seen.append)
    yield seen
    messages.listeners.remove(seen.append)


def save_scene(path: Path, scene: Scene, seed: int = 0, canvas: int = 128) -> Path:
    rng = random.Random(seed)
    render(scene, rng, Style(canvas=canvas)).save(path)
    return path


def random_photos(folder: Path, n: int, seed: int = 1, prefix: str = "p") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    return [save_scene(folder / f"{prefix}{i:04d}.png", random_scene(rng), seed=seed * 1000 + i) for i in range(n)]


def shown_long_ago(cache: ThumbnailCache, folder: Path, megabytes: float) -> list[Path]:
    """Thumbnails of photos seen in the app days ago, oldest first, at least ``megabytes`` of them."""
    folder.mkdir(parents=True, exist_ok=True)
    thumbs: list[Path] = []
    while sum(t.stat().st_size for t in thumbs) < megabytes * (1 << 20):
        photo = folder / f"seen{len(thumbs):03d}.bmp"  # quick to write and read
        noisy_image((512, 512), seed=len(thumbs)).save(photo)  # noise: JPEG cannot shrink it much
        thumbs.append(cache.get(photo, 512))
    now = time.time()
    for age, thumb in enumerate(reversed(thumbs), start=1):
        os.utime(thumb, (now - age * 86400, now - age * 86400))
    return thumbs


def single(shape: str, colour: str, background: str = "white", size: str = "large", position: str = "center") -> Scene:
    return Scene(background, (Obj(shape, colour, size, position),))


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, tmp_path: Path, shown_errors: list[BaseException]) -> Iterator[WindowFactory]:
    windows: list[MainWindow] = []

    def make(
        model: str = "test-pixels",
        roots: tuple[Path, ...] = (),
        *,
        start: bool = True,
        watch: bool = False,
        library: Path | None = None,
    ) -> MainWindow:
        lib = Library.open(library or tmp_path / "library", model)
        for root in roots:
            lib.add_root(root)
        session = Session(lib, watch=watch, watch_quiet=0.2)
        window = MainWindow(session)
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        if start:
            session.start()
        return window

    yield make
    for window in windows:
        window.shutdown()
        window.close()
    # A dialog a test left open (the model dialog, say) is a window of its own: a modal one would take the
    # pointer from every later test's window. Close whatever is still shown, so each test starts clean.
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()


def wait_idle(qtbot: QtBot, window: MainWindow, timeout: int = 60_000) -> None:
    """Until nothing is indexing, queued or searching."""
    s = window.session
    qtbot.waitUntil(lambda: not s.indexer.busy and not s.searching and not s.io_lane.active(), timeout=timeout)
