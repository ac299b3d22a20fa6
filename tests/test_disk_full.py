"""A full disk: the old index is kept, the user reads "disk full" (exit 2), and the next run resumes."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from desktop.files import remove_stale_temps
from desktop.vectors import VectorIndex
from desktop.vectors.hnsw_file import check_hnsw_file
from tests.conftest import write_scene

REPO = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE stands in for a full disk")

# The child gets a file size limit: a write past it fails the way a write to a full disk does (SIGXFSZ,
# which would kill it, is ignored so that the write returns an error instead).
LIMITED = """
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["reframe", *sys.argv[2:]]
{body}
"""


def run_limited(limit: int, body: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = LIMITED.format(body=body)
    return subprocess.run(
        [sys.executable, "-c", code, str(limit), *args], capture_output=True, text=True, env=env, timeout=300
    )


def vectors(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 16)).astype(np.float32)


@posix_only
def test_short_save_keeps_the_old_index(tmp_path: Path) -> None:
    path = tmp_path / "indexes" / "m.hnsw"
    index = VectorIndex(path, 16, "m")
    index.add(np.arange(50), vectors(50, 0))
    index.save()
    before = path.read_bytes(), (path.parent / "m.hnsw.json").read_bytes()

    body = f"""
import numpy as np
from desktop.errors import DiskFull
from desktop.vectors import VectorIndex
index = VectorIndex.open(__import__("pathlib").Path({str(path)!r}), 16, "m")
index.add(np.arange(50, 2000), np.random.default_rng(1).standard_normal((1950, 16)).astype(np.float32))
try:
    index.save()
except DiskFull as exc:
    print("DiskFull:", exc.message)
"""
    proc = run_limited(len(before[0]) + 4096, body)
    assert "DiskFull: disk full" in proc.stdout, proc.stdout + proc.stderr
    assert (path.read_bytes(), (path.parent / "m.hnsw.json").read_bytes()) == before
    assert not list(path.parent.glob(".*.tmp")), "the failed temp file is removed"
    reopened = VectorIndex.open(path, 16, "m")
    assert not reopened.needs_rebuild and len(reopened) == 50


def test_structure_check_rejects_a_cut_file(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path / "m.hnsw", 16, "m")
    index.add(np.arange(300), vectors(300, 2))
    index.save()
    data = (tmp_path / "m.hnsw").read_bytes()
    check_hnsw_file(tmp_path / "m.hnsw", 300)
    for keep in (len(data) - 1, len(data) // 2, 50):
        (tmp_path / "cut.hnsw").write_bytes(data[:keep])
        with pytest.raises(ValueError):
            check_hnsw_file(tmp_path / "cut.hnsw", 300)
    with pytest.raises(ValueError, match="not 301"):
        check_hnsw_file(tmp_path / "m.hnsw", 301)


def test_stale_temp_files_are_removed_at_open(tmp_path: Path) -> None:
    folder = tmp_path / "indexes"
    folder.mkdir()
    stale = folder / ".m.hnsw.abc123.tmp"
    fresh = folder / ".m.hnsw.def456.tmp"  # may be another process saving right now
    stale.write_bytes(b"x" * 10)
    fresh.write_bytes(b"y")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    VectorIndex.open(folder / "m.hnsw", 16, "m")
    assert not stale.exists() and fresh.exists()
    assert remove_stale_temps(folder, older_than_s=-1) == [fresh]


@posix_only
def test_reframe_index_on_a_full_disk_says_so_and_resumes(tmp_path: Path) -> None:
    from desktop.shapes.world import random_scene

    rng = random.Random(3)
    photos = tmp_path / "photos"
    for i in range(120):
        write_scene(photos / f"p{i:03d}.png", random_scene(rng), seed=i, canvas=32)
    lib = tmp_path / "lib"
    cli = "from desktop.cli import main; sys.exit(main())"
    args = ("index", "--library", str(lib), "--model", "test-pixels")
    assert run_limited(1 << 40, cli, *args[:1], str(photos), *args[1:]).returncode == 0
    index_file = lib / "indexes" / "test-pixels.hnsw"
    good = index_file.read_bytes()
    (lib / "indexes" / "test-pixels.hnsw.json").unlink()  # the index must be rebuilt and saved again

    proc = run_limited(len(good) - 1024, cli, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "disk full" in proc.stderr and "Traceback" not in proc.stderr
    assert index_file.read_bytes() == good, "the old file is kept"

    proc = run_limited(1 << 40, cli, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    status = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "status", "--json", "--library", str(lib), "--model", "test-pixels"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert '"vectors": 120' in status.stdout
    assert (lib / "indexes" / "test-pixels.hnsw.json").is_file()
