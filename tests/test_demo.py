"""`reframe demo` — the README's main-job command — on a fresh library, offline, no display."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.cli import main
from tests.conftest import needs_shapes_tiny


@needs_shapes_tiny
def test_demo_builds_indexes_and_searches_three_ways(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--library", str(tmp_path / "lib"), "--count", "80", "--k", "3"]) == 0
    out = capsys.readouterr().out
    assert "indexed 80" in out
    text, image, composed = out.split("\n1. ")[1].split("\n2. ")[0], out.split("\n2. ")[1], out.split("\n3. ")[1]
    assert "red circle" in text.splitlines()[1], "the first text result shows a red circle"
    assert "[combiner]" in composed
    first_composed = composed.splitlines()[2]
    assert "a large red square in the center on a white background" in first_composed, composed
    # A second run reuses the library: nothing is encoded again.
    assert main(["demo", "--library", str(tmp_path / "lib"), "--count", "80", "--k", "3"]) == 0
    assert "indexed 0, skipped 80" in capsys.readouterr().out
    del image


@needs_shapes_tiny
def test_demo_has_its_own_library_and_leaves_the_users_alone(
    tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.library import Library
    from desktop.paths import demo_library_dir, resolve_library_dir

    with Library.open(None, "test-pixels") as mine:  # the user's default library ($REFRAME_HOME here)
        mine.add_root(photos)
        mine.index()
    assert main(["demo", "--count", "30", "--k", "1"]) == 0
    assert f"demo library: {demo_library_dir()}" in capsys.readouterr().out
    with Library.open(None) as mine:
        assert mine.model_name == "test-pixels", "the demo changed the default library's model"
        assert [r.path for r in mine.roots()] == [str(photos.resolve())], "the demo added its photos to it"
    with Library.open(demo_library_dir()) as demo:
        assert demo.model_name == "shapes-tiny"
        assert demo.catalog.counts()["indexed"] == 30
    assert demo_library_dir().parent == resolve_library_dir(None)


@needs_shapes_tiny
def test_demo_on_a_named_library_keeps_that_librarys_model(
    tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.library import Library

    with Library.open(tmp_path / "lib", "test-pixels") as lib:
        lib.load_model()
    assert main(["demo", "--library", str(tmp_path / "lib"), "--count", "30", "--k", "1"]) == 0
    with Library.open(tmp_path / "lib") as lib:
        assert lib.model_name == "test-pixels"
