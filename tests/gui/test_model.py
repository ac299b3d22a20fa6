"""Model loading behind the window, and the dialog when a model cannot be loaded."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.gui.model_dialog import ModelUnavailableDialog
from desktop.gui.session import LOADING, READY, UNAVAILABLE
from desktop.models.registry import DEFAULT_MODEL
from tests.gui.conftest import WindowFactory, random_photos, wait_idle


def test_window_shows_before_the_model_is_loaded(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window(start=False)
    status = window.statusBar()
    assert window.session.model_state == LOADING
    assert "Loading model" in status.model.text()  # type: ignore[attr-defined]
    window.session.start()
    qtbot.waitUntil(lambda: window.session.model_state == READY, timeout=10_000)
    assert status.model.text().startswith("Model: test-pixels")  # type: ignore[attr-defined]


def test_the_tokenizer_is_ready_when_the_model_is(qtbot: QtBot, make_window: WindowFactory) -> None:
    # Building it holds the GIL for tens of milliseconds: at load, not at the first search mid-indexing.
    window = make_window("shapes-tiny")
    qtbot.waitUntil(lambda: window.session.model_state == READY, timeout=30_000)
    encoder = window.session.library._encoder  # type: ignore[union-attr]
    assert encoder is not None and encoder._tokenizer is not None  # type: ignore[attr-defined]


def test_offline_hub_model_opens_the_dialog(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    random_photos(tmp_path / "photos", 3)
    window = make_window(DEFAULT_MODEL, (tmp_path / "photos",))
    qtbot.waitUntil(lambda: window.model_dialog is not None and window.model_dialog.isVisible(), timeout=60_000)
    dialog = window.model_dialog
    assert isinstance(dialog, ModelUnavailableDialog)
    assert window.session.model_state == UNAVAILABLE
    assert "REFRAME_OFFLINE" in dialog.error.message
    buttons = [b.text() for b in dialog.findChildren(QPushButton)]
    assert "Choose a weights file…" in buttons
    # The library panel still lists the folder and its state.
    qtbot.waitUntil(lambda: len(window.library_panel.rows) == 1, timeout=10_000)
    row = next(iter(window.library_panel.rows.values()))
    assert row.name.full_text() == "photos"
    assert "not available" in window.statusBar().model.text()  # type: ignore[attr-defined]
    wait_idle(qtbot, window)
    assert window.stack.currentWidget() is window.empty
    assert "not available" in window.empty.title.text()

    # Choosing a file reopens the library with it; a file that is not the model's weights says so.
    weights = tmp_path / "open_clip_pytorch_model.bin"
    weights.write_bytes(b"not a checkpoint")
    with qtbot.waitSignal(window.session.reopened, timeout=30_000):
        dialog.choose_weights(str(weights))
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.model_dialog is not dialog and window.model_dialog.isVisible(), timeout=60_000)
    message = window.model_dialog.error.message
    assert str(weights) in message and "it is not a model checkpoint" in message  # in our words, not PyTorch's
    assert "Unpickl" not in message and "invalid load key" not in message and "Error" not in message
    assert window.session.model_state == UNAVAILABLE
    assert len(window.library_panel.rows) == 1


def test_reopen_with_a_weights_file_reloads_the_library(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    random_photos(tmp_path / "photos", 4)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.session.model_state == READY, timeout=10_000)
    old = window.session.library
    weights = tmp_path / "weights.safetensors"
    weights.write_bytes(b"x")  # the test encoder ignores the file; Library.open checks it exists
    with qtbot.waitSignal(window.session.reopened, timeout=20_000):
        window.session.reopen(weights=weights)
    assert window.session.library is not old
    qtbot.waitUntil(lambda: window.session.model_state == READY, timeout=10_000)
    wait_idle(qtbot, window)
    assert window.session.library_size == 4


@pytest.fixture
def unfreeze_gc() -> Iterator[None]:
    gc.unfreeze()  # earlier tests' models froze theirs: start from nothing frozen
    yield
    gc.unfreeze()  # what a loaded model froze stays out of later tests' collections otherwise
    gc.enable()


@pytest.mark.parametrize("model", ["shapes-tiny", DEFAULT_MODEL])  # loads / cannot load (offline)
def test_loading_the_model_leaves_the_collector_on(
    qtbot: QtBot, make_window: WindowFactory, unfreeze_gc: None, model: str
) -> None:
    """The model loads with garbage collection held off (long collections froze the window); it must be
    back on afterwards, whether the model loaded or not, with what loading made frozen."""
    window = make_window(model)
    qtbot.waitUntil(lambda: window.session.model_state != LOADING, timeout=60_000)
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
