"""Reconciliation, resilience and search through the engine's front door (deterministic test encoder)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from desktop.catalog import FAILED, INDEXED, OFFLINE
from desktop.errors import UsageError
from desktop.library import Library

MODEL = "test-pixels"


def open_lib(tmp_path: Path) -> Library:
    return Library.open(tmp_path / "lib", MODEL)


def indexed_paths(lib: Library) -> set[str]:
    return {p for r in lib.catalog.roots() for p, row in lib.catalog.images_under(r.id).items() if row.state == INDEXED}


def test_new_images_are_indexed_and_searchable(tmp_path: Path, photos: Path) -> None:
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        s = lib.index()
        assert (s.indexed, s.failed, s.skipped) == (12, 0, 0)
        assert len(lib.vector_index) == 12
        some = sorted(photos.rglob("*.png"))[3]
        res = lib.search(image=some, k=5)
        assert res.mode == "image"
        assert len(res.hits) == 5
        assert str(some) not in [h.path for h in res.hits], "the reference is never its own result"
        row = lib.catalog.image_by_path(str(some))
        assert row is not None and row.width == 128 and row.height == 128


def test_unchanged_rescan_opens_nothing(tmp_path: Path, photos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        lib.index()
        import desktop.ingest.pipeline as pipeline
        import desktop.ingest.reconcile as reconcile

        def boom(*a: object, **k: object) -> None:
            raise AssertionError("an unchanged file was opened")

        monkeypatch.setattr(reconcile, "quick_hash", boom)
        monkeypatch.setattr(pipeline, "decode_image", boom)
        s = lib.index()
        assert (s.indexed, s.skipped, s.moved, s.deleted) == (0, 12, 0, 0)


def test_changed_file_is_reencoded_with_a_new_vector(tmp_path: Path, photos: Path) -> None:
    from desktop.shapes.world import Obj, Scene
    from tests.conftest import write_scene

    target = sorted(photos.rglob("*.png"))[0]
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        lib.index()
        old = lib.catalog.image_by_path(str(target))
        old_vec = lib.catalog.vector(old.id, MODEL)
        write_scene(target, Scene("black", (Obj("star", "yellow", "large", "center"),)), seed=99)
        os.utime(target, ns=(time.time_ns(), time.time_ns() + 10_000_000))
        s = lib.index()
        assert s.indexed == 1 and s.skipped == 11
        new = lib.catalog.image_by_path(str(target))
        assert new.id != old.id, "new content gets a new id so the index can be synced by id"
        assert not np.allclose(lib.catalog.vector(new.id, MODEL), old_vec)
        assert old.id not in lib.vector_index.ids() and new.id in lib.vector_index.ids()


def test_deleted_file_leaves_catalog_and_index(tmp_path: Path, photos: Path) -> None:
    victim = sorted(photos.rglob("*.png"))[5]
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        lib.index()
        vid = lib.catalog.image_by_path(str(victim)).id
        victim.unlink()
        s = lib.index()
        assert s.deleted == 1
        assert lib.catalog.image_by_path(str(victim)) is None
        assert vid not in lib.vector_index.ids()
        hits = lib.search(image=sorted(photos.rglob("*.png"))[0], k=20).hits
        assert str(victim) not in {h.path for h in hits}


def test_moved_and_renamed_files_keep_their_vectors(
    tmp_path: Path, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = sorted(photos.rglob("*.png"))[2]
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        lib.index()
        row = lib.catalog.image_by_path(str(src))
        vec = lib.catalog.vector(row.id, MODEL)
        dest = photos / "sorted" / "renamed.png"
        dest.parent.mkdir()
        shutil.move(src, dest)
        import desktop.ingest.pipeline as pipeline

        monkeypatch.setattr(pipeline, "decode_image", lambda *a, **k: pytest.fail("a moved file was re-encoded"))
        s = lib.index()
        assert (s.moved, s.indexed, s.deleted) == (1, 0, 0)
        moved = lib.catalog.image_by_path(str(dest))
        assert moved.id == row.id
        np.testing.assert_array_equal(lib.catalog.vector(moved.id, MODEL), vec)
        assert lib.catalog.image_by_path(str(src)) is None


def test_duplicate_file_reuses_the_vector(tmp_path: Path, photos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = sorted(photos.rglob("*.png"))[4]
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        lib.index()
        copy = photos / "copy-of-it.png"
        shutil.copy2(src, copy)
        import desktop.ingest.pipeline as pipeline

        monkeypatch.setattr(pipeline, "decode_image", lambda *a, **k: pytest.fail("a duplicate was re-encoded"))
        s = lib.index()
        assert (s.duplicates, s.indexed) == (1, 0)
        a, b = lib.catalog.image_by_path(str(src)), lib.catalog.image_by_path(str(copy))
        assert a.id != b.id and b.state == INDEXED
        np.testing.assert_array_equal(lib.catalog.vector(a.id, MODEL), lib.catalog.vector(b.id, MODEL))
        # Searching with the file excludes it and its identical twin.
        hits = {h.path for h in lib.search(image=src, k=20).hits}
        assert str(src) not in hits and str(copy) not in hits


def test_missing_root_goes_offline_and_comes_back(tmp_path: Path, photos: Path) -> None:
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        lib.index()
        unplugged = photos.with_name("elsewhere")
        photos.rename(unplugged)
        s = lib.index()
        assert s.deleted == 0 and s.offline == 12
        assert lib.catalog.counts()[OFFLINE] == 12
        assert lib.roots()[0].state == "offline"
        unplugged.rename(photos)
        s = lib.index()
        assert s.indexed == 0 and s.deleted == 0
        assert lib.catalog.counts()[INDEXED] == 12
        assert len(lib.vector_index) == 12


def test_broken_files_are_recorded_and_indexing_goes_on(tmp_path: Path, photos: Path) -> None:
    (photos / "zero.jpg").write_bytes(b"")
    (photos / "noise.jpg").write_bytes(os.urandom(5000))
    (photos / "half.png").write_bytes(sorted(photos.rglob("*.png"))[0].read_bytes()[:300])
    (photos / "page.png").write_text("<html><body>not a picture</body></html>")
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        s = lib.index()
        assert s.indexed == 12
        reasons = dict(lib.failures())
        # an empty file is not even a candidate; the rest are recorded with a reason
        assert set(reasons) == {str(photos / n) for n in ("noise.jpg", "half.png", "page.png")}
        assert all(reasons.values())
        assert lib.catalog.counts()[FAILED] == 3
        again = lib.index()
        assert again.indexed == 0 and again.failed == 0, "a known-bad unchanged file is not retried"


def test_index_is_rebuilt_from_the_catalog(tmp_path: Path, photos: Path) -> None:
    probe = sorted(photos.rglob("*.png"))[1]
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        lib.index()
        before = [h.path for h in lib.search(image=probe, k=5).hits]
        index_file = lib.paths.index_file(MODEL)
    index_file.write_bytes(b"garbage" * 100)  # corrupt
    with open_lib(tmp_path) as lib:
        assert len(lib.vector_index) == 12
        assert [h.path for h in lib.search(image=probe, k=5).hits] == before
    index_file.unlink()  # missing
    for sidecar in index_file.parent.glob("*.json"):
        sidecar.unlink()
    with open_lib(tmp_path) as lib:
        assert [h.path for h in lib.search(image=probe, k=5).hits] == before


def test_stale_index_catches_up(tmp_path: Path, photos: Path) -> None:
    """An index saved before the last commits (e.g. a crash) is synced from the catalog on open."""
    with open_lib(tmp_path) as lib:
        lib.add_root(photos)
        lib.index()
        index_file = lib.paths.index_file(MODEL)
        saved = {p: p.read_bytes() for p in index_file.parent.iterdir()}
        sorted(photos.rglob("*.png"))[0].unlink()
        shutil.copy2(sorted(photos.rglob("*.png"))[0], photos / "extra.png")
        lib.index()
    for p, data in saved.items():  # roll the index files back
        p.write_bytes(data)
    with open_lib(tmp_path) as lib:
        assert lib.vector_index.ids() == set(lib.catalog.ids_with_vectors(MODEL).tolist())


KILL_CHILD = textwrap.dedent(
    """
    import sys, time
    from desktop.library import Library
    lib = Library.open(sys.argv[1], "test-pixels")
    lib.add_root(sys.argv[2])
    def slow(p):
        if p.phase == "encoding" and p.done:
            print("committed", p.done, flush=True)
            time.sleep(0.15)
    lib.index(progress=slow, batch_size=8)
    print("finished", flush=True)
    """
)


def test_kill_mid_index_then_resume(tmp_path: Path) -> None:
    import random

    from desktop.shapes.world import random_scene
    from tests.conftest import write_scene

    rng = random.Random(3)
    root = tmp_path / "many"
    for i in range(80):
        write_scene(root / f"p{i:03d}.png", random_scene(rng), seed=i, canvas=64)
    libdir = tmp_path / "lib"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD, str(libdir), str(root)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    seen = 0
    for line in child.stdout:
        if line.startswith("committed"):
            seen += 1
            if seen == 3:
                child.send_signal(signal.SIGKILL)
                break
    child.wait(timeout=60)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL, "the child must die mid-run for this test to mean anything"
    with Library.open(libdir, MODEL) as lib:
        partial = lib.catalog.counts()[INDEXED]
        assert 0 < partial < 80
        s = lib.index()
        assert s.indexed == 80 - partial, "resumes where it stopped, nothing encoded twice"
        paths = [p for r in lib.catalog.roots() for p in lib.catalog.images_under(r.id)]
        assert len(paths) == len(set(paths)) == 80
        assert len(lib.vector_index) == 80
        assert lib.vector_index.ids() == set(lib.catalog.ids_with_vectors(MODEL).tolist())


def test_bad_requests_get_clear_errors(tmp_path: Path, photos: Path) -> None:
    with open_lib(tmp_path) as lib:
        with pytest.raises(UsageError, match="not a folder"):
            lib.add_root(tmp_path / "nope")
        with pytest.raises(UsageError, match="give a text"):
            lib.search()
        with pytest.raises(UsageError, match="not found"):
            lib.search(image=tmp_path / "missing.jpg")
        bad = tmp_path / "bad.jpg"
        bad.write_bytes(b"\xff\xd8\xff\xe0garbage")
        with pytest.raises(UsageError, match="cannot read the reference"):
            lib.search(image=bad)
