"""Running ``reframe`` where a permission can be denied.

Root reads every file whatever its mode. When the suite runs as root, the child process gives up the two
capabilities that make it so (CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH) before it starts, and file modes
then apply to it as to anyone: a folder with mode 000 cannot be listed.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _drop_file_override() -> None:
    # Dropped from the bounding set, they are not in the capabilities root gets at exec.
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            os._exit(97)


def needs_posix() -> None:
    if os.name != "posix" or (_as_root() and not sys.platform.startswith("linux")):
        pytest.skip("file modes are enforced for this test's user only on POSIX (as root: Linux)")


def reframe(*args: str, library: Path) -> subprocess.CompletedProcess[str]:
    """``reframe ARGS --library LIBRARY`` in a child process that file modes apply to."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args, "--library", str(library)],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=_drop_file_override if _as_root() else None,
        timeout=300,
        check=False,
    )


def json_of(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
