"""A backbone without a Combiner: composed search says it adds features, offers to train one in the
background, and uses the new one as soon as it is ready; a stopped run resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.compose import weights
from desktop.compose.textonly import TextOnlyConfig, interrupted, library_combiner_path
from desktop.gui.combiner_training import DONE, FAILED, IDLE, TRAINING
from desktop.gui.window import MainWindow
from tests.gui.conftest import WindowFactory, needs_shapes_tiny, random_photos, save_scene, single, wait_idle

pytestmark = needs_shapes_tiny


@pytest.fixture
def no_bundled_combiner(monkeypatch: pytest.MonkeyPatch) -> None:
    """shapes-tiny as if it were a backbone shipped without Combiner weights."""
    monkeypatch.setattr(weights, "default_search_dirs", lambda library: [Path(library)] if library else [])


def composed_window(make_window: WindowFactory, qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, Path]:
    photos = tmp_path / "photos"
    random_photos(photos, 40, seed=5)  # enough photos for the image statistics of the "coral" bridge
    reference = save_scene(tmp_path / "reference.png", single("circle", "red", "white"))
    window = make_window("shapes-tiny", (photos,))
    wait_idle(qtbot, window)
    training = window.session.combiner_training
    training.refs, training.config = 40, TextOnlyConfig(epochs=2, batch_size=64)  # small and quick
    window.search_bar.set_query("make it blue", reference)
    qtbot.waitUntil(lambda: window.search_bar.mode == "sum", timeout=30_000)
    return window, reference


def test_offers_to_train_and_uses_the_new_combiner(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path, no_bundled_combiner: None
) -> None:
    window, _ = composed_window(make_window, qtbot, tmp_path)
    bar = window.search_bar
    assert "sum" in bar.note.text().lower()  # says how it searched
    assert bar.offer.isVisible() and "Train a Combiner" in bar.offer.text()

    training = window.session.combiner_training
    with qtbot.waitSignal(training.finished, timeout=120_000):
        bar.offer.linkActivated.emit("train")  # the user clicks the link
        assert training.state == TRAINING
        qtbot.waitUntil(lambda: window.statusBar().training.isVisible(), timeout=10_000)
        assert "Stop" in bar.offer.text()
    assert training.state == DONE

    # The search on screen ran again with the new Combiner; the offer is gone.
    qtbot.waitUntil(lambda: bar.mode == "combiner", timeout=30_000)
    assert not bar.offer.isVisible() and not bar.note.isVisible()
    assert not window.statusBar().training.isVisible()
    path = library_combiner_path(window.session.library)
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["backbone"] == "shapes-tiny" and card["bridge"]["kind"] == "coral" and card["epochs"] == 2
    assert not interrupted(window.session.library)  # nothing left over to resume


def test_a_stopped_run_resumes(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path, no_bundled_combiner: None
) -> None:
    window, _ = composed_window(make_window, qtbot, tmp_path)
    training = window.session.combiner_training
    training.config = TextOnlyConfig(epochs=200, batch_size=64)  # long enough to stop part-way
    window.search_bar.offer.linkActivated.emit("train")
    qtbot.waitUntil(lambda: training.progress is not None and training.progress.stage == "training", timeout=60_000)
    window.search_bar.offer.linkActivated.emit("cancel")
    qtbot.waitUntil(lambda: training.state == IDLE, timeout=30_000)

    lib = window.session.library
    assert interrupted(lib) and not library_combiner_path(lib).exists()
    assert window.search_bar.mode == "sum" and "Resume training" in window.search_bar.offer.text()
    assert training.can_resume()


def test_a_failed_run_says_why_and_offers_to_try_again(
    make_window: WindowFactory,
    qtbot: QtBot,
    tmp_path: Path,
    no_bundled_combiner: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop.compose import textonly
    from desktop.errors import UsageError

    window, _ = composed_window(make_window, qtbot, tmp_path)

    def fail(*_args: object, **_kw: object) -> None:
        raise UsageError("the disk is full")

    monkeypatch.setattr(textonly, "train_for_library", fail)
    window.search_bar.offer.linkActivated.emit("train")
    qtbot.waitUntil(lambda: window.session.combiner_training.state == FAILED, timeout=30_000)
    offer = window.search_bar.offer.text()
    assert "the disk is full" in offer and "Try again" in offer
    assert window.search_bar.mode == "sum"  # composed search still works, with the sum
