"""The self-test the installers run (``reframe self-test``): it passes without torch, on ONNX Runtime, and
on the torch backend where torch is installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.models.backend import torch_installed
from tests.conftest import needs_shapes_tiny
from tests.models.test_onnx_backend import BLOCK_TORCH

REPO = Path(__file__).resolve().parent.parent
COUNT = "40"  # enough for every check (the planted composed target is always there), a few seconds to index


def _self_test(*args: str, block_torch: bool) -> subprocess.CompletedProcess[str]:
    code = (BLOCK_TORCH if block_torch else "import sys\n") + (
        "from desktop.cli import main\nsys.exit(main(['self-test', *sys.argv[1:]]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    for var in ("REFRAME_BACKEND", "REFRAME_DEVICE"):
        env.pop(var, None)
    return subprocess.run(
        [sys.executable, "-c", code, "--count", COUNT, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
    )


@needs_shapes_tiny
def test_self_test_passes_without_torch_on_onnx_runtime() -> None:
    """What a CPU installer (no torch in it) runs before it is published, window included."""
    got = _self_test(block_torch=True)
    assert got.returncode == 0, got.stdout + got.stderr
    lines = got.stdout.splitlines()
    backend = next(line for line in lines if "  backend:" in line)
    assert backend.startswith("ok") and "ONNX Runtime" in backend and "fp32" in backend
    assert any(line.startswith("ok") and "  no torch:" in line for line in lines)
    assert any(line.startswith("ok") and "  window:" in line for line in lines)
    assert "torch: not installed" in got.stdout
    assert "FAIL" not in got.stdout


@needs_shapes_tiny
def test_self_test_asked_for_torch_without_it_fails_with_the_install_hint() -> None:
    got = _self_test("--backend", "torch", "--no-gui", block_torch=True)
    assert got.returncode == 1
    backend = next(line for line in got.stdout.splitlines() if "  backend:" in line)
    assert backend.startswith("FAIL") and "reframe[torch]" in backend
    assert "Traceback" not in got.stdout + got.stderr


@needs_shapes_tiny
@pytest.mark.slow
@pytest.mark.skipif(not torch_installed(), reason="needs the torch extra")
def test_self_test_on_the_torch_backend() -> None:
    got = _self_test("--backend", "torch", "--no-gui", block_torch=False)
    assert got.returncode == 0, got.stdout + got.stderr
    assert any(line.startswith("ok") and "  backend: torch " in line for line in got.stdout.splitlines())
    assert "with torch on cpu" in got.stdout
    assert "no torch:" not in got.stdout  # only asked of the ONNX path
