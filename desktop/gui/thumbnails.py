"""Thumbnails for the grid and the reference well, loaded off the main thread.

Requests go on a stack and the pool's threads take the newest first, so when the grid is scrolled fast
the pictures now on screen come before the ones scrolled past; old requests beyond ``backlog`` are
dropped (they are asked for again if their row is painted again). Files come from the disk cache
(:mod:`desktop.thumbs`); a ``QImage`` is made on the worker thread and turned into a ``QPixmap`` on the
main thread, where a small LRU keeps the recent ones.

Finished loads are handed to the main thread in batches: a worker appends to a list and wakes the main
thread only when the list was empty, and the main thread takes the whole list in one call and tells its
listeners once (``arrived``, with every key). A new result list brings twenty or more thumbnails at
once; one call into Python per thumbnail, and a signal per thumbnail to each listener, meant as many
waits for the GIL while the indexer runs.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, deque

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from desktop import log
from desktop.errors import ImageError
from desktop.thumbs import ThumbnailCache

_log = log.get("gui.thumbs")

Key = tuple[str, int]


class ThumbnailLoader(QObject):
    #: [(path, size), ...] whose pixmap(path, size) or error(path, size) now answers
    arrived = Signal(list)

    _wake = Signal()  # from a worker: the arrivals list is no longer empty

    def __init__(
        self, cache: ThumbnailCache, *, threads: int | None = None, backlog: int = 300, keep: int = 800
    ) -> None:
        super().__init__()
        self.cache = cache
        self.pool = QThreadPool()
        # Half the cores, 1 to 4: thumbnails must not starve the window's thread or the indexer.
        self.pool.setMaxThreadCount(threads or max(1, min(4, (os.cpu_count() or 2) // 2)))
        self._stack: deque[Key] = deque()
        self._queued: set[Key] = set()
        self._lock = threading.Lock()
        self._running = 0  # workers started and not yet out of requests (guarded by _lock)
        self._kick_due = False  # a _kick is scheduled
        self._stopped = False
        self._backlog = backlog
        self._keep = keep
        self._pixmaps: OrderedDict[Key, QPixmap] = OrderedDict()
        self._errors: dict[Key, str] = {}
        self._latest: dict[str, Key] = {}  # the last picture of each path that arrived (any_pixmap)
        self._arrivals: list[tuple[Key, QImage | str]] = []  # guarded by _lock: a picture, or why not
        self.requests = 0  # how many loads were asked of the pool (tests check it stays small)
        self._wake.connect(self._take_arrivals, Qt.ConnectionType.QueuedConnection)

    def pixmap(self, path: str, size: int) -> QPixmap | None:
        """The thumbnail if loaded; otherwise None, and a load is queued."""
        key = (path, size)
        pm = self._pixmaps.get(key)
        if pm is not None:
            self._pixmaps.move_to_end(key)
            return pm
        if key not in self._errors:
            self._request(key)
        return None

    def any_pixmap(self, path: str) -> QPixmap | None:
        """The last picture of ``path`` that arrived, whatever its size (None if none is kept); no load."""
        key = self._latest.get(path)
        pm = self._pixmaps.get(key) if key is not None else None
        if pm is None and key is not None:
            del self._latest[path]
        return pm

    def error(self, path: str, size: int) -> str | None:
        return self._errors.get((path, size))

    def forget(self) -> None:
        """Drop queued requests (a new result list replaces the old one)."""
        with self._lock:
            self._stack.clear()
            self._queued.clear()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self.forget()
        self.pool.clear()
        self.pool.waitForDone(5000)

    # -- internals ----------------------------------------------------------------------------------

    def _request(self, key: Key) -> None:
        with self._lock:
            if key in self._queued:
                return
            self._queued.add(key)
            self._stack.append(key)
            while len(self._stack) > self._backlog:
                self._queued.discard(self._stack.popleft())
            self.requests += 1
            kick = not self._kick_due
            self._kick_due = True
        # Workers are started once the paint that asked is over, and take requests until none is left: a
        # screenful of requests starts a worker or two, not one each. Every start hands the GIL to a pool
        # thread and the window waits to get it back (~1 ms a start: 93 starts cost a result list 96 ms).
        if kick:
            QTimer.singleShot(0, self._kick)

    def _kick(self) -> None:
        with self._lock:
            self._kick_due = False
            if self._stopped:
                return
            wanted = min(len(self._stack), self.pool.maxThreadCount() - self._running)
            self._running += max(0, wanted)
        for _ in range(wanted):
            self.pool.start(_Load(self))

    def _take(self) -> Key | None:
        """The newest request; None, and this worker ends, when there is none (under the lock, so that a
        request made meanwhile either is taken here or starts a worker of its own)."""
        with self._lock:
            if self._stack:
                return self._stack.pop()
            self._running -= 1
            return None

    def _done(self, key: Key) -> None:
        with self._lock:
            self._queued.discard(key)

    def _work(self) -> None:
        while (key := self._take()) is not None:
            self._load(key)

    def _load(self, key: Key) -> None:
        path, size = key
        try:
            file = self.cache.get(path, size)
            image = QImage(str(file))
            if image.isNull():
                raise ImageError("the thumbnail could not be read")
            if max(image.width(), image.height()) != size:  # a small photo: fit it to the box here, once,
                image = image.scaled(  # so that painting it is a plain copy on the main thread
                    size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            self._arrive(key, image)
        except ImageError as exc:
            self._arrive(key, exc.message)
        except Exception as exc:  # a worker thread must not die on one odd file
            _log.warning("thumbnail of %s failed: %s", path, exc)
            self._arrive(key, str(exc))
        finally:
            self._done(key)

    def _arrive(self, key: Key, outcome: QImage | str) -> None:
        with self._lock:
            first = not self._arrivals
            self._arrivals.append((key, outcome))
        if first:
            self._wake.emit()

    def _take_arrivals(self) -> None:
        with self._lock:
            arrivals, self._arrivals = self._arrivals, []
        if not arrivals:
            return
        for key, outcome in arrivals:
            if isinstance(outcome, str):
                self._errors[key] = outcome
            else:
                self._pixmaps[key] = QPixmap.fromImage(outcome)
                self._pixmaps.move_to_end(key)
                self._latest[key[0]] = key
        while len(self._pixmaps) > self._keep:
            (path, _), _ = self._pixmaps.popitem(last=False)
            if path in self._latest and self._latest[path] not in self._pixmaps:
                del self._latest[path]
        self.arrived.emit([key for key, _ in arrivals])


class _Load(QRunnable):
    def __init__(self, loader: ThumbnailLoader) -> None:
        super().__init__()
        self._loader = loader

    def run(self) -> None:
        self._loader._work()


def placeholder(size: int, *, broken: bool = False) -> QPixmap:
    """A quiet square shown until the thumbnail arrives (or with a cross when it never will)."""
    pm = QPixmap(QSize(size, size))
    pm.fill(QColor(0, 0, 0, 0))
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(128, 128, 128, 40))
    p.drawRoundedRect(0, 0, size, size, 6, 6)
    if broken:
        p.setPen(QColor(160, 60, 60, 160))
        m = size // 3
        p.drawLine(m, m, size - m, size - m)
        p.drawLine(size - m, m, m, size - m)
    p.end()
    return pm
