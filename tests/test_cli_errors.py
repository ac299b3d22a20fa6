"""Bad input gets one plain message and status 2, never a traceback; long runs are never silent."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.cli.demo_cmd import missing_for_gui
from desktop.cli.progress import IndexBar
from desktop.indexer_lock import IndexerLock
from desktop.library import IndexProgress, Library

REPO = Path(__file__).resolve().parents[1]
MODEL = ["--model", "test-pixels"]


@pytest.mark.parametrize(
    "args",
    [
        ["index", "--workers", "0"],
        ["index", "--batch-size", "0"],
        ["index", "--batch-size", "-5"],
        ["search", "--text", "x", "--k", "0"],
        ["status", "--weights", "w.safetensors"],
        ["status", "--device", "cpu"],
        ["models", "--weights", "w.safetensors"],
        ["self-test", "--model", "ViT-B-32/laion2b_s34b_b79k"],
    ],
)
def test_bad_options_are_refused_up_front(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_missing_queries_file_is_a_plain_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["search", "--queries", str(tmp_path / "nonexistent.jsonl"), "--library", str(tmp_path / "lib")])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot read the queries file" in err and "no such file" in err.lower()


def test_every_option_says_its_default_and_every_command_has_examples() -> None:
    from desktop.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in ("index", "search", "status", "models"):
        parser = sub.choices[name]  # type: ignore[attr-defined]
        assert "examples:" in (parser.epilog or ""), name
        for action in parser._actions:
            if action.option_strings and action.dest not in ("help",) and action.help:
                assert "default" in action.help or action.const is True, (name, action.option_strings)


def test_composed_search_says_how_it_was_composed(
    tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = ["--library", str(tmp_path / "lib"), *MODEL]
    assert main(["index", str(photos), *lib]) == 0
    probe = str(sorted(photos.rglob("*.png"))[0])
    capsys.readouterr()
    assert main(["search", "--image", probe, "--text", "make it red", *lib]) == 0
    assert "composed as the normalised sum" in capsys.readouterr().err
    assert main(["search", "--image", probe, "--text", "make it red", "--json", *lib]) == 0
    assert json.loads(capsys.readouterr().out)["mode"] == "sum"


def test_progress_lines_when_stderr_is_not_a_terminal() -> None:
    out = io.StringIO()
    bar = IndexBar(tty=False, stream=out, every_s=3600)
    bar(IndexProgress("scanning", "/photos", 0, 0))
    for done in range(0, 101, 10):
        bar(IndexProgress("encoding", None, done, 100, rate=50.0, eta_s=(100 - done) / 50))
    lines = out.getvalue().splitlines()
    # The first and the last always; none in between within the interval.
    assert lines == [
        "scanning /photos",
        "encoding 0 of 100 (50.0 img/s, about 2 s left)",
        "encoding 100 of 100 (50.0 img/s)",
    ]
    out = io.StringIO()
    bar = IndexBar(tty=False, stream=out, every_s=0)
    for done in range(0, 101, 25):
        bar(IndexProgress("encoding", None, done, 100))
    assert len(out.getvalue().splitlines()) == 5


def test_ctrl_c_prints_the_partial_summary(tmp_path: Path, photos: Path) -> None:
    lib = tmp_path / "lib"
    with Library.open(lib, "test-pixels") as first:
        first.add_root(photos)
    with IndexerLock(lib).held():  # the run waits here, so the interrupt lands mid-run every time
        proc = subprocess.Popen(
            [sys.executable, "-m", "desktop.cli", "index", "--library", str(lib), *MODEL],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
        )
        assert proc.stderr is not None
        assert "waiting for another indexer" in proc.stderr.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; run again to resume" in out and "indexed 0" in out
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("env", "platform", "missing"),
    [
        ({}, "linux", "no display"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", None),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", None),
        ({}, "darwin", None),
        ({}, "win32", None),
    ],
)
def test_gui_says_what_is_missing(env: dict[str, str], platform: str, missing: str | None) -> None:
    found = missing_for_gui(env, platform)
    assert (found is None) if missing is None else (found is not None and missing in found)


def test_reframe_gui_without_a_display_exits_2_with_words(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if not sys.platform.startswith("linux"):
        pytest.skip("a display is always there on macOS and Windows")
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "gui", "--library", str(tmp_path / "lib")],
        capture_output=True,
        text=True,
        env=dict(env, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert proc.returncode == 2
    assert "no display" in proc.stderr and "Traceback" not in proc.stderr
