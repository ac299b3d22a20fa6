"""The entry point, the settings dialog and a few empty states."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.gui.app import make_app, parse_args
from desktop.gui.session import SETTING_THUMB, SETTING_THUMB_CACHE
from desktop.gui.settings import Settings, SettingsDialog
from desktop.gui.widgets import ElidedLabel
from tests.gui.conftest import WindowFactory, shown_long_ago, wait_idle


def test_parse_args() -> None:
    args = parse_args(["--library", "/tmp/lib", "--model", "shapes-tiny", "--demo"])
    assert (args.library, args.model, args.demo) == ("/tmp/lib", "shapes-tiny", True)
    assert parse_args([]).demo is False
    args = parse_args(["--backend", "onnx", "--precision", "int8", "--device", "cpu"])
    assert (args.backend, args.precision, args.device) == ("onnx", "int8", "cpu")


def test_settings_dialog_round_trip(qtbot: QtBot) -> None:
    current = Settings(model="shapes-tiny", device="cpu", thumbnail_size=192, results=800, excluded=["/x/raw"])
    dialog = SettingsDialog(current)
    qtbot.addWidget(dialog)
    assert dialog.value() == current
    dialog.thumbs.setValue(224)
    assert dialog.value().thumbnail_size == 224
    dialog.thumb_cache.setValue(256)
    assert dialog.value().thumbnail_cache_mb == 256


def test_thumbnail_size_setting_is_applied_and_kept(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    window = make_window()
    before = window.current_settings()
    after = Settings(**{**before.__dict__, "thumbnail_size": 128})
    window.apply_settings(before, after)
    assert window.results.thumbnail_size == 128
    assert window.grid.iconSize().width() == 128
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.session.setting(SETTING_THUMB) == "128", timeout=5000)


def test_a_smaller_thumbnail_cache_is_applied_at_once_and_kept(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    window = make_window()
    wait_idle(qtbot, window)
    session = window.session
    thumbs = shown_long_ago(session.thumbs, tmp_path / "seen", 2)
    before = window.current_settings()
    assert before.thumbnail_cache_mb == 1024  # the default

    window.apply_settings(before, Settings(**{**before.__dict__, "thumbnail_cache_mb": 1}))
    wait_idle(qtbot, window)

    assert session.thumbs.size_on_disk() <= 1 << 20 and thumbs[-1].exists()
    qtbot.waitUntil(lambda: session.setting(SETTING_THUMB_CACHE) == "1", timeout=5000)
    assert window.current_settings().thumbnail_cache_mb == 1


def test_long_paths_are_elided_in_the_middle(qtbot: QtBot) -> None:
    label = ElidedLabel("/very/long/path/" + "deeper/" * 40 + "photo.jpg")
    qtbot.addWidget(label)
    label.resize(200, 20)
    shown = label.elided_text()
    assert "…" in shown and shown.endswith("photo.jpg") and shown.startswith("/very")


def test_demo_builds_a_library_and_prefills_a_composed_query(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    from desktop.shapes.demo import COMPOSED_TEXT

    window = make_window(start=True)
    window.session.setup_demo()
    qtbot.waitUntil(lambda: window.search_bar.reference is not None, timeout=60_000)
    assert window.search_bar.field.text() == COMPOSED_TEXT
    assert Path(window.search_bar.reference).name == "reference.png"
    wait_idle(qtbot, window, timeout=120_000)
    qtbot.waitUntil(lambda: window.results.rowCount() > 0, timeout=20_000)
    assert window.search_bar.mode in ("combiner", "sum")
    assert window.session.library_size == 300


def test_the_app_has_its_icon_and_desktop_entry_name(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "setswitchinterval", lambda _s: None)  # keep the test run's interpreter as it is
    app = make_app()
    assert not app.windowIcon().isNull()
    sizes = {s.width() for s in app.windowIcon().availableSizes()}
    assert {16, 32, 256} <= sizes  # crisp in a title bar, a taskbar and a dock
    assert app.desktopFileName() == "reframe"  # matches resources/reframe.desktop
