"""Shared fixtures: real images made on the fly, a library in a temp dir, the test encoder enabled."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

os.environ["REFRAME_TEST_MODELS"] = "1"  # the deterministic test encoder is for the suite only
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHAPES_WEIGHTS = REPO / "resources" / "models" / "shapes-tiny" / "model.safetensors"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever touches the real user library."""
    monkeypatch.setenv("REFRAME_HOME", str(tmp_path_factory.mktemp("home")))


def write_scene(path: Path, scene, seed: int = 0, canvas: int = 128) -> Path:
    from desktop.shapes.render import Style, render

    path.parent.mkdir(parents=True, exist_ok=True)
    img = render(scene, random.Random(seed), Style(canvas=canvas))
    img.save(path)
    return path


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A folder of 12 distinct real pictures (shapes scenes) in two subfolders."""
    from desktop.shapes.world import random_scene

    rng = random.Random(11)
    root = tmp_path / "photos"
    for i in range(12):
        sub = "trip" if i % 2 else "home"
        write_scene(root / sub / f"img{i:02d}.png", random_scene(rng), seed=i)
    return root


needs_shapes_tiny = pytest.mark.skipif(
    not SHAPES_WEIGHTS.is_file(), reason="the bundled shapes-tiny weights are not in resources/ yet"
)
