"""A writer killed at random moments leaves a consistent catalog that has lost at most one batch."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.catalog import INDEXED, Catalog
from tests.catalog.crash_writer import DIM, MODEL, PER_BATCH

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("crash_writer.py")
ROUNDS = 5

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def run_and_kill(db: Path, delay: float) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # after its first committed batch
        assert line.strip() == "ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(delay)
        assert proc.poll() is None, "the writer stopped on its own"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -signal.SIGKILL


def check_consistent(db: Path) -> int:
    """Return the number of committed batches after checking the invariants with plain sqlite."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        batches = int(conn.execute("SELECT value FROM settings WHERE key = 'batches'").fetchone()[0])
        images = conn.execute("SELECT COUNT(*) FROM images").fetchone()[0]
        assert images == batches * PER_BATCH, "a partial batch survived"
        unembedded = conn.execute(
            "SELECT COUNT(*) FROM images i LEFT JOIN embeddings e ON e.image_id = i.id AND e.model = ?"
            " WHERE i.state = ? AND e.image_id IS NULL",
            (MODEL, INDEXED),
        ).fetchone()[0]
        assert unembedded == 0
        sizes = conn.execute("SELECT DISTINCT length(vector) FROM embeddings").fetchall()
        assert sizes == [(DIM * 2,)]
        return batches
    finally:
        conn.close()


def test_killed_writer_never_leaves_a_partial_batch(tmp_path: Path) -> None:
    db = tmp_path / "catalog.sqlite3"
    rng = random.Random(1234)
    seen = 0
    for _ in range(ROUNDS):
        run_and_kill(db, rng.uniform(0.0, 0.4))
        batches = check_consistent(db)
        assert batches > seen  # each round committed at least its first batch
        seen = batches
    with Catalog.open(db) as catalog:
        ids, vecs = catalog.vectors(MODEL)
        assert len(ids) == seen * PER_BATCH and vecs.shape == (len(ids), DIM)
        assert catalog.counts()[INDEXED] == len(ids)
