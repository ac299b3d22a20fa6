"""One indexer per library across processes; searches never wait for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.indexer_lock import IndexerLock, LibraryBusy
from desktop.library import Library

REPO = Path(__file__).resolve().parents[1]
MODEL = ["--model", "test-pixels"]


def reframe(lib: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "desktop.cli", *args, "--library", str(lib)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_second_indexer_says_who_holds_the_library(tmp_path: Path, photos: Path) -> None:
    lib = tmp_path / "lib"
    with Library.open(lib, "test-pixels") as first:
        first.add_root(photos)
    held = IndexerLock(lib)
    with held.held(command="the Reframe app"):
        busy = reframe(lib, "index", "--no-wait", *MODEL)
        out, err = busy.communicate(timeout=120)
        assert busy.returncode == 2, err
        assert "another indexer" in err and f"pid {os.getpid()}" in err and "the Reframe app" in err
        assert "Traceback" not in err

        # Searches do not wait for it.
        search = reframe(lib, "search", "--text", "a red circle", *MODEL)
        _, err = search.communicate(timeout=120)
        assert search.returncode == 0, err

        waiting = reframe(lib, "index", "--json", *MODEL)
        assert waiting.stderr is not None
        line = waiting.stderr.readline()  # printed before it blocks; the test waits for it, not for time
        assert "waiting for another indexer" in line and f"pid {os.getpid()}" in line
        assert waiting.poll() is None, "it must wait while the lock is held"
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert '"indexed": 12' in out


def test_one_process_two_library_objects_share_the_rule(tmp_path: Path, photos: Path) -> None:
    with Library.open(tmp_path / "lib", "test-pixels") as a, Library.open(tmp_path / "lib", "test-pixels") as b:
        a.add_root(photos)
        with IndexerLock(tmp_path / "lib").held(), pytest.raises(LibraryBusy):
            b.index(wait=False)
        assert a.index().indexed == 12
        # b loaded its index before a indexed: it catches up from the catalog instead of saving a stale one.
        assert b.index().indexed == 0
        assert len(b.vector_index) == 12
