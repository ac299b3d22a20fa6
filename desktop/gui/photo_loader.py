"""Whole photos for the loupe, decoded off the main thread: sized to fit the screen, or at full resolution.

A request names a photo and a box in device pixels (``FULL`` for every pixel). Qt's reader decodes a big
JPEG at a reduced scale when that is enough for the box, and applies the EXIF orientation; formats it does
not read go to the indexer's decoder (:func:`desktop.ingest.decode.decode_image`, Pillow's draft mode).
Either way the picture fits the box exactly, so the loupe paints it without scaling. Requests are served
newest first (the photo on screen before the neighbours asked for ahead of time) by one thread; older ones
beyond a few are dropped. A small cache keeps recent pictures, bounded by their memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from desktop import log
from desktop.errors import ImageError
from desktop.ingest.decode import MAX_PIXELS, decode_image

_log = log.get("gui.photo")

FULL = QSize(0, 0)
#: Pictures kept decoded, in bytes (a 24-megapixel photo is 96 MB as 32-bit pixels).
KEEP_BYTES = 320 << 20
#: Requests waiting beyond this many are dropped, oldest first.
BACKLOG = 4

Key = tuple[str, int, int]  # path, box width, box height (0, 0: full size)


@dataclass(frozen=True)
class Photo:
    """A decoded photo: the picture (possibly reduced) and the size of the original, upright."""

    image: QImage
    width: int
    height: int

    @property
    def full(self) -> bool:
        return self.image.width() == self.width and self.image.height() == self.height


def to_qimage(picture: Image.Image) -> QImage:
    """A Qt copy of an RGB Pillow picture, in the format Qt paints fastest."""
    rgb = picture if picture.mode == "RGB" else picture.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    image = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    return image.convertToFormat(QImage.Format.Format_RGB32)  # a copy: ``data`` may go


def decode(path: str, box: QSize) -> Photo:
    """``path`` upright, fitted into ``box`` (device pixels; ``FULL``: as it is). Raises ``ImageError``.

    Qt's reader first: it decodes a JPEG at a reduced scale for a box (libjpeg's scaled decoding), applies
    the EXIF orientation, and lets go of Python's lock while it works, so the window's thread is not held
    up meanwhile (Pillow's path holds it for tens of milliseconds per photo, copying pixels into Qt). What
    Qt cannot read (HEIF, AVIF; a damaged file) goes to the decoder the indexer uses.
    """
    photo = _read_with_qt(path, box)
    return photo if photo is not None else _read_with_pillow(path, box)


def _read_with_qt(path: str, box: QSize) -> Photo | None:
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    stored = reader.size()
    if not reader.canRead() or not stored.isValid() or stored.width() * stored.height() > MAX_PIXELS:
        return None
    sideways = bool(reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90)
    upright = stored.transposed() if sideways else stored
    if box.width() > 0 and box.height() > 0:
        scale = min(box.width() / upright.width(), box.height() / upright.height())
        if scale < 1.0:  # the size asked for is of the picture as stored, before it is turned upright
            reader.setScaledSize(QSize(max(1, round(stored.width() * scale)), max(1, round(stored.height() * scale))))
    image = reader.read()
    if image.isNull():
        return None
    wanted = QImage.Format.Format_ARGB32_Premultiplied if image.hasAlphaChannel() else QImage.Format.Format_RGB32
    if image.format() != wanted:
        image = image.convertToFormat(wanted)
    return Photo(image, upright.width(), upright.height())


def _read_with_pillow(path: str, box: QSize) -> Photo:
    full = box.width() <= 0 or box.height() <= 0
    decoded = decode_image(path, target_size=None if full else max(1, min(box.width(), box.height())))
    picture = decoded.image
    if not full:
        scale = min(box.width() / picture.width, box.height() / picture.height)
        if scale < 1.0:
            size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
            picture = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return Photo(to_qimage(picture), decoded.width, decoded.height)


class PhotoLoader(QObject):
    #: path, box (``FULL`` or the box asked for), Photo or why not (str)
    loaded = Signal(str, QSize, object)

    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)
        self._lock = threading.Lock()
        self._stack: deque[Key] = deque()
        self._queued: set[Key] = set()
        self._done: list[tuple[Key, Photo | str]] = []
        self._cache: OrderedDict[Key, Photo] = OrderedDict()
        self._errors: dict[Key, str] = {}
        self._wake.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def cached(self, path: str, box: QSize) -> Photo | None:
        key = (path, box.width(), box.height())
        photo = self._cache.get(key)
        if photo is not None:
            self._cache.move_to_end(key)
        return photo

    def error(self, path: str, box: QSize) -> str | None:
        return self._errors.get((path, box.width(), box.height()))

    def request(self, path: str, box: QSize) -> Photo | None:
        """The photo if decoded already; otherwise None, and ``loaded`` brings it (or why not) later."""
        key = (path, box.width(), box.height())
        if (photo := self.cached(path, box)) is not None:
            return photo
        if key in self._errors:
            return None
        with self._lock:
            if key in self._queued:
                if key in self._stack:  # to the top: wanted now
                    self._stack.remove(key)
                    self._stack.append(key)
                return None  # queued or being decoded: its runnable is on its way
            self._queued.add(key)
            self._stack.append(key)
            while len(self._stack) > BACKLOG:
                self._queued.discard(self._stack.popleft())
        self.pool.start(_Decode(self))
        return None

    def forget(self) -> None:
        with self._lock:
            self._stack.clear()
            self._queued.clear()

    def stop(self) -> None:
        self.forget()
        self.pool.clear()
        self.pool.waitForDone(10_000)

    def busy(self) -> bool:
        with self._lock:
            return bool(self._stack) or self.pool.activeThreadCount() > 0

    # -- on the pool's thread ------------------------------------------------------------------------

    def _work(self) -> None:
        with self._lock:
            if not self._stack:
                return
            key = self._stack.pop()
        path, w, h = key
        outcome: Photo | str
        try:
            outcome = decode(path, QSize(w, h))
        except ImageError as exc:
            outcome = exc.message
        except Exception as exc:  # one odd file must not end the thread
            _log.warning("decoding %s for the viewer failed: %s", path, exc)
            outcome = "it could not be read"
        with self._lock:
            self._queued.discard(key)
            first = not self._done
            self._done.append((key, outcome))
        if first:
            self._wake.emit()

    # -- on the main thread --------------------------------------------------------------------------

    def _deliver(self) -> None:
        with self._lock:
            done, self._done = self._done, []
        for key, outcome in done:
            if isinstance(outcome, str):
                self._errors[key] = outcome
            else:
                self._cache[key] = outcome
                self._cache.move_to_end(key)
        while len(self._cache) > 1 and sum(p.image.sizeInBytes() for p in self._cache.values()) > KEEP_BYTES:
            self._cache.popitem(last=False)
        for (path, w, h), outcome in done:
            self.loaded.emit(path, QSize(w, h), outcome)


class _Decode(QRunnable):
    def __init__(self, loader: PhotoLoader) -> None:
        super().__init__()
        self._loader = loader

    def run(self) -> None:
        self._loader._work()
