"""Watching library folders: file-system events become batches of changed paths.

A :class:`FolderWatcher` watches every root with watchdog's native observer (inotify, FSEvents,
ReadDirectoryChangesW). Events are collected and handed to one callback as a batch once the folder
has been quiet for ``quiet`` seconds, or at the latest ``max_delay`` seconds after the first event of
a burst, so copying thousands of photos gives a few large batches instead of thousands of calls.

When a native watch cannot be set up (the inotify watch limit, a network share, a folder that is not
there right now) the root falls back to polling: watchdog's ``PollingObserver`` compares directory
snapshots every ``poll_interval`` seconds, and if even that cannot start, a timer hands the root
folder itself to the callback every ``poll_interval`` seconds so the engine rescans it. ``mode()``
tells which of ``"watching"`` and ``"polling"`` a root is in.

The callback runs on the watcher's own thread; it should hand the batch on (to a queue, a Qt
signal) rather than index in place. Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Literal

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from desktop import log

Mode = Literal["watching", "polling"]
BatchCallback = Callable[[list[str]], None]
ObserverFactory = Callable[[], BaseObserver]

_log = log.get("watch")

#: Event types that can change what a folder holds. Opened, closed-without-writing and attribute
#: changes are left out: reading a photo (as the indexer does) must not look like a change.
_WANTED = frozenset({EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED, EVENT_TYPE_DELETED, EVENT_TYPE_MOVED, EVENT_TYPE_CLOSED})


class Debouncer:
    """Collects paths and flushes them as one batch after a quiet period (bounded by ``max_delay``)."""

    def __init__(self, callback: BatchCallback, *, quiet: float = 0.75, max_delay: float = 5.0) -> None:
        self._callback = callback
        self._quiet = quiet
        self._max_delay = max(max_delay, quiet)
        self._paths: dict[str, None] = {}  # insertion-ordered set
        self._first = 0.0
        self._last = 0.0
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="reframe-watch-debounce", daemon=True)
        self._thread.start()

    def add(self, paths: Iterable[str]) -> None:
        now = time.monotonic()
        with self._cond:
            if not self._paths:
                self._first = now
            for p in paths:
                self._paths[p] = None
            self._last = now
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._paths)

    def stop(self, *, flush: bool = False) -> None:
        with self._cond:
            self._stopped = True
            batch = list(self._paths) if flush else []
            self._paths.clear()
            self._cond.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
        if batch:
            self._deliver(batch)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if self._paths:
                        now = time.monotonic()
                        due = min(self._last + self._quiet, self._first + self._max_delay)
                        if now >= due:
                            break
                        self._cond.wait(due - now)
                    else:
                        self._cond.wait()
                if self._stopped:
                    return
                batch = list(self._paths)
                self._paths.clear()
            self._deliver(batch)

    def _deliver(self, batch: list[str]) -> None:
        try:
            self._callback(batch)
        except Exception:  # a failing consumer must not kill the watcher thread
            _log.exception("watch callback failed for a batch of %d paths", len(batch))


class _Handler(FileSystemEventHandler):
    def __init__(self, sink: Callable[[Iterable[str]], None]) -> None:
        self._sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _WANTED:
            return
        if event.is_directory and event.event_type in (EVENT_TYPE_MODIFIED, EVENT_TYPE_CLOSED):
            return  # a folder's own mtime changes with every file added: the file events say more
        paths = [os.fsdecode(event.src_path)]
        if event.event_type == EVENT_TYPE_MOVED and event.dest_path:
            paths.append(os.fsdecode(event.dest_path))
        self._sink(paths)


class _Rescan:
    """The last resort for a root that cannot be watched at all: hand the root itself on, periodically."""

    def __init__(self, root: str, interval: float, sink: Callable[[Iterable[str]], None]) -> None:
        self._root = root
        self._interval = interval
        self._sink = sink
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reframe-watch-rescan", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sink([self._root])

    def stop(self) -> None:
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)


class FolderWatcher:
    """Watches library roots and calls ``callback(paths)`` with debounced batches of changed paths."""

    def __init__(
        self,
        callback: BatchCallback,
        *,
        quiet: float = 0.75,
        max_delay: float = 5.0,
        poll_interval: float = 30.0,
        observer_factory: ObserverFactory = Observer,
        polling_factory: ObserverFactory | None = None,
    ) -> None:
        self._debouncer = Debouncer(callback, quiet=quiet, max_delay=max_delay)
        self._poll_interval = poll_interval
        self._observer_factory = observer_factory
        self._polling_factory = polling_factory or (lambda: PollingObserver(timeout=poll_interval))
        self._native: BaseObserver | None = None
        self._polling: BaseObserver | None = None
        self._handler = _Handler(self._debouncer.add)
        self._watches: dict[str, tuple[Mode, ObservedWatch | _Rescan]] = {}
        self._lock = threading.Lock()
        self._closed = False

    # -- roots -----------------------------------------------------------------------------------

    def watch(self, folder: str | os.PathLike[str]) -> Mode:
        """Start watching ``folder`` (recursively); returns the mode it got. Idempotent."""
        root = os.path.abspath(os.fspath(folder))
        with self._lock:
            if self._closed:
                raise RuntimeError("the folder watcher is stopped")
            if root in self._watches:
                return self._watches[root][0]
            try:
                watch = self._schedule_native(root)
                self._watches[root] = ("watching", watch)
                _log.info("watching %s", root)
                return "watching"
            except OSError as exc:
                _log.warning("cannot watch %s (%s); polling every %gs instead", root, exc, self._poll_interval)
            self._watches[root] = ("polling", self._schedule_polling(root))
            return "polling"

    def unwatch(self, folder: str | os.PathLike[str]) -> None:
        root = os.path.abspath(os.fspath(folder))
        with self._lock:
            entry = self._watches.pop(root, None)
        if entry is not None:
            self._drop(*entry)

    def set_roots(self, folders: Iterable[str | os.PathLike[str]]) -> dict[str, Mode]:
        """Watch exactly ``folders``: new ones are added, ones no longer listed are dropped."""
        wanted = {os.path.abspath(os.fspath(f)) for f in folders}
        for root in set(self.modes()) - wanted:
            self.unwatch(root)
        for root in sorted(wanted):
            self.watch(root)
        return self.modes()

    def mode(self, folder: str | os.PathLike[str]) -> Mode | None:
        with self._lock:
            entry = self._watches.get(os.path.abspath(os.fspath(folder)))
        return entry[0] if entry else None

    def modes(self) -> dict[str, Mode]:
        with self._lock:
            return {root: mode for root, (mode, _) in self._watches.items()}

    def stop(self) -> None:
        """Stop every watch and the threads behind them; pending events are dropped."""
        with self._lock:
            self._closed = True
            entries = list(self._watches.values())
            self._watches.clear()
            observers = [o for o in (self._native, self._polling) if o is not None]
            self._native = self._polling = None
        for _, w in entries:
            if isinstance(w, _Rescan):
                w.stop()
        for obs in observers:
            obs.stop()
        for obs in observers:
            if obs.is_alive():
                obs.join(timeout=5)
        self._debouncer.stop()

    # -- internals -------------------------------------------------------------------------------

    def _schedule_native(self, root: str) -> ObservedWatch:
        if not os.path.isdir(root):
            raise FileNotFoundError(f"not a folder right now: {root}")
        if self._native is None:
            observer = self._observer_factory()
            observer.daemon = True
            observer.start()
            self._native = observer
        return self._native.schedule(self._handler, root, recursive=True)

    def _schedule_polling(self, root: str) -> ObservedWatch | _Rescan:
        try:
            if not os.path.isdir(root):
                raise FileNotFoundError(f"not a folder right now: {root}")
            if self._polling is None:
                observer = self._polling_factory()
                observer.daemon = True
                observer.start()
                self._polling = observer
            return self._polling.schedule(self._handler, root, recursive=True)
        except OSError as exc:
            _log.warning("cannot poll %s (%s); rescanning it every %gs", root, exc, self._poll_interval)
            return _Rescan(root, self._poll_interval, self._debouncer.add)

    def _drop(self, mode: Mode, watch: ObservedWatch | _Rescan) -> None:
        if isinstance(watch, _Rescan):
            watch.stop()
            return
        observer = self._native if mode == "watching" else self._polling
        if observer is not None:
            with contextlib.suppress(KeyError):  # already gone with its emitter
                observer.unschedule(watch)
