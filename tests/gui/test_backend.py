"""The app runs the model on the backend and precision chosen in Settings, says which in the status bar,
and without PyTorch says how to install it where a feature needs it (Combiner training, the PyTorch
backend, GPU devices) instead of offering what cannot run."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from desktop.compose import weights
from desktop.gui import settings as settings_module
from desktop.gui import window as window_module
from desktop.gui.session import READY, SETTING_BACKEND, SETTING_DEVICE, SETTING_PRECISION, Inference, Session
from desktop.gui.settings import Settings, SettingsDialog
from desktop.gui.status import runtime
from desktop.library import Library
from desktop.models import backend
from tests.gui.conftest import WindowFactory, needs_shapes_tiny, random_photos, save_scene, single, wait_idle

INSTALL = "pip install 'reframe[torch]'"


def item_enabled(combo: QComboBox, value: str) -> bool:
    model = combo.model()
    assert isinstance(model, QStandardItemModel)
    return model.item(combo.findData(value)).isEnabled()


def item_tooltip(combo: QComboBox, value: str) -> str:
    model = combo.model()
    assert isinstance(model, QStandardItemModel)
    return model.item(combo.findData(value)).toolTip()


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """An installation without the torch extra, as the GUI and the engine would see it."""
    monkeypatch.setattr(backend, "torch_installed", lambda: False)
    monkeypatch.setattr(settings_module, "torch_installed", lambda: False)
    monkeypatch.setattr(window_module, "torch_installed", lambda: False)


@pytest.fixture
def with_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyTorch counts as installed, whether or not it is (the dialog only offers it; nothing loads it)."""
    monkeypatch.setattr(settings_module, "torch_installed", lambda: True)


def test_settings_dialog_shows_and_returns_backend_and_precision(qtbot: QtBot, with_torch: None) -> None:
    current = Settings(model="shapes-tiny", device="cpu", backend="onnx", precision="int8")
    dialog = SettingsDialog(current)
    qtbot.addWidget(dialog)
    assert dialog.backend.currentText() == "ONNX Runtime"
    assert dialog.precision.currentText().startswith("int8")
    assert dialog.value() == current
    assert [dialog.backend.itemText(i) for i in range(dialog.backend.count())] == [
        "Automatic",
        "ONNX Runtime",
        "PyTorch",
    ]

    # int8 runs on ONNX Runtime only: picking PyTorch takes the precision back to fp32 and greys int8 out.
    dialog.backend.setCurrentIndex(dialog.backend.findData("torch"))
    assert dialog.value().backend == "torch" and dialog.value().precision == "fp32"
    assert not item_enabled(dialog.precision, "int8")
    assert item_enabled(dialog.device, "cuda")  # GPUs run on PyTorch
    dialog.backend.setCurrentIndex(dialog.backend.findData("onnx"))
    assert item_enabled(dialog.precision, "int8")
    assert not item_enabled(dialog.device, "cuda")  # ...and not on ONNX Runtime


def test_without_torch_the_dialog_greys_out_pytorch_and_says_how_to_install_it(qtbot: QtBot, no_torch: None) -> None:
    dialog = SettingsDialog(Settings(model="shapes-tiny"))
    qtbot.addWidget(dialog)
    assert not item_enabled(dialog.backend, "torch")
    assert INSTALL in item_tooltip(dialog.backend, "torch")
    assert INSTALL in dialog.backend.toolTip()
    assert item_enabled(dialog.backend, "onnx") and item_enabled(dialog.backend, "")
    assert not item_enabled(dialog.device, "cuda") and not item_enabled(dialog.device, "mps")
    assert INSTALL in item_tooltip(dialog.device, "cuda")


def test_chosen_backend_and_precision_are_stored_and_used(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    session = window.session
    qtbot.waitUntil(lambda: session.model_state == READY, timeout=10_000)
    before = window.current_settings()
    assert (before.backend, before.precision) == ("", "fp32")  # Automatic, fp32 until chosen

    with qtbot.waitSignal(session.reopened, timeout=20_000):
        window.apply_settings(before, replace(before, device="cpu", backend="onnx", precision="int8"))
    assert session.inference == Inference("cpu", "onnx", "int8")  # what the library was reopened with
    qtbot.waitUntil(lambda: session.model_state == READY, timeout=10_000)
    wait_idle(qtbot, window)
    assert (session.setting(SETTING_BACKEND), session.setting(SETTING_PRECISION)) == ("onnx", "int8")

    # The dialog opens on what is in use.
    dialog = SettingsDialog(window.current_settings(), window)
    qtbot.addWidget(dialog)
    assert dialog.backend.currentText() == "ONNX Runtime" and dialog.value().precision == "int8"

    # Back to fp32: the setting is cleared (fp32 is the default) and the library reopened with it.
    after = window.current_settings()
    with qtbot.waitSignal(session.reopened, timeout=20_000):
        window.apply_settings(after, replace(after, precision="fp32"))
    assert session.inference == Inference("cpu", "onnx", None)
    wait_idle(qtbot, window)
    assert session.setting(SETTING_PRECISION) is None


def test_the_library_opens_with_its_stored_choices(tmp_path: Path) -> None:
    with Library.open(tmp_path / "library", "test-pixels") as lib:
        writer = lib.catalog.writer()
        writer.set_setting(SETTING_DEVICE, "cpu")
        writer.set_setting(SETTING_BACKEND, "onnx")
        writer.set_setting(SETTING_PRECISION, "int8")
    session = Session.open(tmp_path / "library", "test-pixels", watch=False)
    try:
        assert session.inference == Inference("cpu", "onnx", "int8")
        assert session.library is not None and session.library.precision == "int8"  # before the model loads
    finally:
        session.shutdown()
    # Options on the command line (reframe gui --precision fp32) win for that run.
    session = Session.open(tmp_path / "library", "test-pixels", watch=False, precision="fp32")
    try:
        assert session.inference == Inference("cpu", "onnx", None)  # None: fp32, the default
    finally:
        session.shutdown()


def test_a_stored_pytorch_choice_without_pytorch_falls_back_to_automatic(tmp_path: Path, no_torch: None) -> None:
    with Library.open(tmp_path / "library", "test-pixels") as lib:
        lib.catalog.writer().set_setting(SETTING_BACKEND, "torch")
    session = Session.open(tmp_path / "library", "test-pixels", watch=False)  # opens rather than refuse
    try:
        assert session.inference == Inference()
    finally:
        session.shutdown()


def test_runtime_names() -> None:
    assert runtime("onnx", "fp32") == "ONNX Runtime fp32"
    assert runtime("onnx", "int8") == "ONNX Runtime int8"
    assert runtime("torch", "fp32") == "PyTorch"
    assert runtime("torch", "fp16-autocast") == "PyTorch fp16-autocast"
    assert runtime("n/a", "fp32") == ""  # the test encoder runs on neither


@needs_shapes_tiny
def test_status_bar_names_backend_precision_and_device(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window("shapes-tiny")
    qtbot.waitUntil(lambda: window.session.model_state == READY, timeout=60_000)
    assert window.statusBar().model.text() == "Model: shapes-tiny · ONNX Runtime fp32 · CPU"  # type: ignore[attr-defined]


@pytest.fixture
def no_bundled_combiner(monkeypatch: pytest.MonkeyPatch) -> None:
    """shapes-tiny as if it were a backbone shipped without Combiner weights."""
    monkeypatch.setattr(weights, "default_search_dirs", lambda library: [Path(library)] if library else [])


def composed_search(qtbot: QtBot, make_window: WindowFactory, tmp_path: Path) -> window_module.MainWindow:
    photos = tmp_path / "photos"
    random_photos(photos, 12, seed=5)
    reference = save_scene(tmp_path / "reference.png", single("circle", "red", "white"))
    window = make_window("shapes-tiny", (photos,))
    wait_idle(qtbot, window)
    window.search_bar.set_query("make it blue", reference)
    qtbot.waitUntil(lambda: window.search_bar.mode in ("sum", "combiner"), timeout=30_000)
    return window


@needs_shapes_tiny
def test_without_torch_the_offer_says_how_to_get_it(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, no_torch: None, no_bundled_combiner: None
) -> None:
    window = composed_search(qtbot, make_window, tmp_path)
    bar = window.search_bar
    assert bar.mode == "sum" and bar.note.isVisible()  # composed search still runs, adding features
    assert bar.offer.isVisible()
    assert INSTALL in bar.offer.text()
    assert "href" not in bar.offer.text()  # nothing to click that could not run
    assert not window.train_action.isEnabled()
    assert INSTALL in window.train_action.toolTip()


@needs_shapes_tiny
def test_no_offer_where_a_combiner_ships(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, no_torch: None
) -> None:
    window = composed_search(qtbot, make_window, tmp_path)
    assert window.search_bar.mode == "combiner"  # shapes-tiny ships one; queries run it in numpy
    assert not window.search_bar.offer.isVisible()


#: In a fresh interpreter: the window loads shapes-tiny, indexes a few photos and runs a composed search
#: (its shipped Combiner, in numpy); then prints the mode and whether torch or open_clip got imported.
NO_TORCH_SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from desktop.gui.app import make_app
from desktop.gui.session import READY, Session
from desktop.gui.window import MainWindow
from desktop.shapes.demo import build_demo_library

app = make_app()
tmp = Path.cwd()  # the test's tmp_path
demo = build_demo_library(tmp / "demo", count=12)
session = Session.open(tmp / "library", "shapes-tiny", watch=False)
window = MainWindow(session)
window.show()
session.start()
session.add_root(demo.photos)
results, asked = [], []
session.searchDone.connect(lambda query, result: results.append(result) if result.mode != "browse" else None)

def poll():
    if results or session.model_state not in (READY, "loading"):
        app.quit()
    elif session.model_state == READY and not session.indexer.busy and not asked:
        asked.append(session.search("make it red", str(demo.reference)))

timer = QTimer()
timer.timeout.connect(poll)
timer.start(100)
QTimer.singleShot(120_000, app.quit)
app.exec()
print("RESULT", results[0].mode if results else session.model_state, "torch" in sys.modules, "open_clip" in sys.modules)
window.shutdown()
"""


@needs_shapes_tiny
def test_the_app_on_onnx_runtime_never_imports_torch(tmp_path: Path) -> None:
    """The point of the ONNX backend: the app's memory and start-up carry no torch, even where it is installed."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "REFRAME_OFFLINE": "1", "REFRAME_BACKEND": "onnx"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", NO_TORCH_SCRIPT], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT")), proc.stdout + proc.stderr)
    assert line == "RESULT combiner False False"
