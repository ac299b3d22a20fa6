"""Thumbnails for the grid and the reference well, loaded off the main thread.

Requests go on a stack and the pool's threads take the newest first, so when the grid is scrolled fast
the pictures now on screen come before the ones scrolled past; old requests beyond ``backlog`` are
dropped (they are asked for again if their row is painted again). Files come from the disk cache
(:mod:`desktop.thumbs`); a ``QImage`` is made on the worker thread and turned into a ``QPixmap`` on the
main thread, where a small LRU keeps the recent ones.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, deque

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from desktop import log
from desktop.errors import ImageError
from desktop.thumbs import ThumbnailCache

_log = log.get("gui.thumbs")

Key = tuple[str, int]


class ThumbnailLoader(QObject):
    ready = Signal(str, int)  # path, size: pixmap(path, size) now answers
    failed = Signal(str, int, str)  # path, size, reason

    _loaded = Signal(str, int, QImage)
    _broken = Signal(str, int, str)

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
        self._backlog = backlog
        self._keep = keep
        self._pixmaps: OrderedDict[Key, QPixmap] = OrderedDict()
        self._errors: dict[Key, str] = {}
        self.requests = 0  # how many loads were asked of the pool (tests check it stays small)
        self._loaded.connect(self._on_loaded)
        self._broken.connect(self._on_broken)

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

    def error(self, path: str, size: int) -> str | None:
        return self._errors.get((path, size))

    def forget(self) -> None:
        """Drop queued requests (a new result list replaces the old one)."""
        with self._lock:
            self._stack.clear()
            self._queued.clear()

    def stop(self) -> None:
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
        self.pool.start(_Load(self))

    def _take(self) -> Key | None:
        with self._lock:
            return self._stack.pop() if self._stack else None

    def _done(self, key: Key) -> None:
        with self._lock:
            self._queued.discard(key)

    def _work(self) -> None:
        key = self._take()
        if key is None:
            return
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
            self._loaded.emit(path, size, image)
        except ImageError as exc:
            self._broken.emit(path, size, exc.message)
        except Exception as exc:  # a worker thread must not die on one odd file
            _log.warning("thumbnail of %s failed: %s", path, exc)
            self._broken.emit(path, size, str(exc))
        finally:
            self._done(key)

    def _on_loaded(self, path: str, size: int, image: QImage) -> None:
        key = (path, size)
        self._pixmaps[key] = QPixmap.fromImage(image)
        self._pixmaps.move_to_end(key)
        while len(self._pixmaps) > self._keep:
            self._pixmaps.popitem(last=False)
        self.ready.emit(path, size)

    def _on_broken(self, path: str, size: int, reason: str) -> None:
        self._errors[(path, size)] = reason
        self.failed.emit(path, size, reason)


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
