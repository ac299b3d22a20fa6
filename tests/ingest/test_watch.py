"""The watchdog bridge: debounced batches, moves and deletes, polling fallback."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from desktop.ingest.watch import Debouncer, FolderWatcher


class Batches:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self._cond = threading.Condition()

    def __call__(self, batch: list[str]) -> None:
        with self._cond:
            self.batches.append(batch)
            self._cond.notify_all()

    def seen(self) -> set[str]:
        with self._cond:
            return {p for b in self.batches for p in b}

    def wait_for(self, *paths: str | Path, timeout: float = 10.0) -> None:
        want = {os.fspath(p) for p in paths}
        deadline = time.monotonic() + timeout
        with self._cond:
            while not want <= {p for b in self.batches for p in b}:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"never saw {want - self.seen()}; batches: {self.batches}")
                self._cond.wait(left)


@pytest.fixture
def batches() -> Batches:
    return Batches()


@pytest.fixture
def watcher(batches: Batches) -> Iterator[FolderWatcher]:
    w = FolderWatcher(batches, quiet=0.2, max_delay=1.0, poll_interval=0.3)
    yield w
    w.stop()


def test_debouncer_merges_a_burst_into_one_batch(batches: Batches) -> None:
    d = Debouncer(batches, quiet=0.2, max_delay=5.0)
    try:
        for i in range(1000):
            d.add([f"/p/{i}.jpg", "/p/0.jpg"])
        time.sleep(0.6)
        assert len(batches.batches) == 1
        assert len(batches.batches[0]) == 1000
        assert batches.batches[0][:2] == ["/p/0.jpg", "/p/1.jpg"]
    finally:
        d.stop()


def test_debouncer_flushes_a_long_burst_by_max_delay(batches: Batches) -> None:
    d = Debouncer(batches, quiet=0.3, max_delay=0.5)
    try:
        end = time.monotonic() + 1.3
        i = 0
        while time.monotonic() < end:
            d.add([f"/p/{i}"])
            i += 1
            time.sleep(0.05)
        assert len(batches.batches) >= 2  # it did not wait for the burst to end
    finally:
        d.stop()


def test_debouncer_survives_a_failing_callback() -> None:
    calls: list[list[str]] = []

    def callback(batch: list[str]) -> None:
        calls.append(batch)
        if len(calls) == 1:
            raise RuntimeError("consumer broke")

    d = Debouncer(callback, quiet=0.05, max_delay=0.2)
    try:
        d.add(["/a"])
        time.sleep(0.3)
        d.add(["/b"])
        time.sleep(0.3)
        assert calls == [["/a"], ["/b"]]
    finally:
        d.stop()


def test_new_moved_and_deleted_files_are_reported(tmp_path: Path, watcher: FolderWatcher, batches: Batches) -> None:
    (tmp_path / "sub").mkdir()
    assert watcher.watch(tmp_path) == "watching"
    assert watcher.mode(tmp_path) == "watching"
    new = tmp_path / "sub" / "new.jpg"
    new.write_bytes(b"x" * 10)
    batches.wait_for(new)
    moved = tmp_path / "moved.jpg"
    new.rename(moved)
    batches.wait_for(moved)
    moved.unlink()
    before = len(batches.batches)
    deadline = time.monotonic() + 10
    while not any(os.fspath(moved) in b for b in batches.batches[before:]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(os.fspath(moved) in b for b in batches.batches[before:])


def test_a_burst_of_files_arrives_in_few_batches(tmp_path: Path, watcher: FolderWatcher, batches: Batches) -> None:
    watcher.watch(tmp_path)
    files = [tmp_path / f"{i:04d}.jpg" for i in range(500)]
    for f in files:
        f.write_bytes(b"y")
    batches.wait_for(*files)
    assert len(batches.batches) <= 10


def test_unwatched_folders_go_quiet(tmp_path: Path, watcher: FolderWatcher, batches: Batches) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    assert watcher.set_roots([a, b]) == {os.fspath(a): "watching", os.fspath(b): "watching"}
    assert watcher.set_roots([b]) == {os.fspath(b): "watching"}
    (a / "x.jpg").write_bytes(b"1")
    (b / "y.jpg").write_bytes(b"1")
    batches.wait_for(b / "y.jpg")
    time.sleep(0.4)
    assert os.fspath(a / "x.jpg") not in batches.seen()


class _NoWatches(Observer):  # type: ignore[misc, valid-type]
    """A native observer that fails like an exhausted inotify watch limit."""

    def schedule(self, *args: object, **kwargs: object) -> object:
        raise OSError(28, "inotify watch limit reached")


def test_falls_back_to_polling_when_a_watch_cannot_be_set_up(tmp_path: Path, batches: Batches) -> None:
    w = FolderWatcher(batches, quiet=0.1, max_delay=0.5, poll_interval=0.2, observer_factory=_NoWatches)
    try:
        assert w.watch(tmp_path) == "polling"
        assert w.modes() == {os.fspath(tmp_path): "polling"}
        photo = tmp_path / "late.jpg"
        photo.write_bytes(b"z" * 20)
        batches.wait_for(photo)
    finally:
        w.stop()


def _broken_polling() -> BaseObserver:
    raise OSError(5, "share unreachable")


def test_a_folder_that_cannot_even_be_polled_is_rescanned(tmp_path: Path, batches: Batches) -> None:
    w = FolderWatcher(
        batches,
        quiet=0.05,
        max_delay=0.2,
        poll_interval=0.1,
        observer_factory=_NoWatches,
        polling_factory=_broken_polling,
    )
    try:
        assert w.watch(tmp_path) == "polling"
        batches.wait_for(tmp_path)  # the root itself: "rescan all of it"
    finally:
        w.stop()


def test_a_missing_root_is_polled_until_it_appears(tmp_path: Path, watcher: FolderWatcher, batches: Batches) -> None:
    gone = tmp_path / "unplugged"
    assert watcher.watch(gone) == "polling"
    batches.wait_for(gone)
