"""reconcile_root: hashing outside the write transaction, cancel, and the offline branches agreeing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from desktop.catalog import OFFLINE
from desktop.ingest.reconcile import reconcile_root
from desktop.library import Library

MODEL = "test-pixels"


class ProbingCancel(threading.Event):
    """A cancel flag that, each time reconcile asks it, checks that another process could write now."""

    def __init__(self, catalog_path: Path) -> None:
        super().__init__()
        self.catalog_path = catalog_path
        self.asked = 0
        self.blocked = 0

    def is_set(self) -> bool:
        self.asked += 1
        conn = sqlite3.connect(self.catalog_path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError:
            self.blocked += 1
        finally:
            conn.close()
        return super().is_set()


def test_hashing_holds_no_write_transaction(tmp_path: Path, photos: Path) -> None:
    with Library.open(tmp_path / "lib", MODEL) as lib:
        root = lib.add_root(photos)
        probe = ProbingCancel(lib.paths.catalog)
        plan = reconcile_root(lib.catalog, root, MODEL, cancel=probe)
        assert len(plan.to_encode) == 12 and probe.asked >= 12
        assert probe.blocked == 0, "another writer had to wait while files were hashed"


def test_cancel_stops_hashing_and_deletes_nothing(tmp_path: Path, photos: Path) -> None:
    with Library.open(tmp_path / "lib", MODEL) as lib:
        root = lib.add_root(photos)
        lib.index()
        gone = sorted(photos.rglob("*.png"))[0]
        moved = sorted(photos.rglob("*.png"))[1]
        gone.unlink()
        moved.rename(photos / "renamed.png")
        stop = threading.Event()
        stop.set()
        plan = reconcile_root(lib.catalog, root, MODEL, cancel=stop)
        assert plan.cancelled and plan.deleted == 0 and plan.moved == 0
        assert lib.catalog.image_by_path(str(gone)) is not None, "a cancelled pass must not delete"
        s = lib.index()
        assert (s.deleted, s.moved, s.indexed) == (1, 1, 0)


def test_cancelled_run_reports_cancelled_before_encoding(tmp_path: Path, photos: Path) -> None:
    with Library.open(tmp_path / "lib", MODEL) as lib:
        lib.add_root(photos)
        stop = threading.Event()
        stop.set()
        s = lib.index(cancel=stop)
        assert s.cancelled and s.indexed == 0
        assert lib.index().indexed == 12


def test_offline_count_is_the_same_on_every_run(tmp_path: Path, photos: Path) -> None:
    """Both ways of finding a root unreachable count every image it keeps, not just the newly marked."""
    with Library.open(tmp_path / "lib", MODEL) as lib:
        lib.add_root(photos)
        lib.index()
        photos.rename(photos.with_name("unplugged"))
        assert lib.index().offline == 12
        assert lib.index().offline == 12, "the second run under-reported"
        assert lib.catalog.counts()[OFFLINE] == 12
