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
