"""The loupe's picture: the whole photo fitted to the view, or 100 % (one photo pixel per screen pixel) with pan.

Positions are kept in the photo's own pixels (upright, full size), whatever picture of it is at hand: the
grid's thumbnail first, then one decoded to fit the view, then every pixel when zoomed in. So a better
picture replaces a worse one without the view moving. Zoomed in, the point of the photo at the centre of
the view is what moves: dragging, the wheel or a trackpad, and the arrow keys pan; it is held so that the
photo never leaves a gap at an edge it could fill. A click toggles fit and 100 %, keeping the clicked
point under the pointer.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

BACKGROUND = QColor(38, 38, 40)  # a neutral grey: colours are judged against it
TEXT = QColor(210, 210, 214)
#: Pointer travel (logical pixels) that makes a press a drag rather than a click.
DRAG_START = 4
#: Wheel pan per notch, logical pixels.
WHEEL_STEP = 90
#: Space kept around the fitted photo, logical pixels.
FIT_MARGIN = 12


class LoupeCanvas(QWidget):
    zoomChanged = Signal(bool)  # True: 100 %
    boxChanged = Signal()  # the view's size changed: a picture fitted to it would differ

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loupeCanvas")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the loupe
        self.setMouseTracking(False)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self._size = QSize()  # the photo's full size, upright
        self._zoomed = False
        self._center = QPointF()  # photo pixel at the centre of the view, when zoomed
        self._message = ""  # shown instead of a picture ("Loading…", why it cannot be shown)
        self._note = ""  # shown over the picture ("Loading full resolution…")
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._dragged = False
        self._update_cursor()

    # -- what is shown -------------------------------------------------------------------------------

    def set_photo(self, size: QSize, image: QImage | None, message: str = "") -> None:
        """A new photo of full ``size`` (empty if not known yet), its best picture so far, or a message."""
        self._size = QSize(size)
        self._image = image if image is not None and not image.isNull() else None
        if self._size.isEmpty() and self._image is not None:
            self._size = self._image.size()
        self._message = message
        self._note = ""
        self._center = QPointF(self._size.width() / 2, self._size.height() / 2)
        self._clamp()
        self._update_cursor()
        self.update()

    def set_image(self, image: QImage, size: QSize | None = None) -> None:
        """A better picture of the photo on screen (``size``: its full size, when now known)."""
        if size is not None and not size.isEmpty() and size != self._size:
            old = self._size
            self._size = QSize(size)
            if not old.isEmpty():  # keep the same point at the centre
                self._center = QPointF(
                    self._center.x() * size.width() / old.width(), self._center.y() * size.height() / old.height()
                )
            else:
                self._center = QPointF(size.width() / 2, size.height() / 2)
        self._image = image
        if self._size.isEmpty():
            self._size = image.size()
        self._message = ""
        self._clamp()
        self._update_cursor()
        self.update()

    def set_message(self, text: str) -> None:
        self._message = text
        self.update()

    def set_note(self, text: str) -> None:
        if text != self._note:
            self._note = text
            self.update()

    @property
    def image(self) -> QImage | None:
        return self._image

    @property
    def message(self) -> str:
        return self._message

    @property
    def note(self) -> str:
        return self._note

    @property
    def photo_size(self) -> QSize:
        return QSize(self._size)

    def has_full(self) -> bool:
        """Whether the picture shown has every pixel of the photo."""
        return self._image is not None and not self._size.isEmpty() and self._image.size() == self._size

    def fit_box(self) -> QSize:
        """The fitted photo's room in device pixels: what a picture fitted to it needs."""
        ratio = self.devicePixelRatioF()
        w, h = self.width() - 2 * FIT_MARGIN, self.height() - 2 * FIT_MARGIN
        return QSize(max(1, round(w * ratio)), max(1, round(h * ratio)))

    # -- zoom and pan --------------------------------------------------------------------------------

    @property
    def zoomed(self) -> bool:
        return self._zoomed

    @property
    def center(self) -> QPointF:
        return QPointF(self._center)

    def scale(self) -> float:
        """Logical pixels per photo pixel."""
        if self._zoomed:
            return 1.0 / self.devicePixelRatioF()
        if self._size.isEmpty():
            return 1.0
        w, h = max(1, self.width() - 2 * FIT_MARGIN), max(1, self.height() - 2 * FIT_MARGIN)
        return min(w / self._size.width(), h / self._size.height())

    def photo_rect(self) -> QRectF:
        """Where the whole photo is drawn, in the view's coordinates."""
        s = self.scale()
        w, h = self._size.width() * s, self._size.height() * s
        if not self._zoomed:
            return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
        return QRectF(self.width() / 2 - self._center.x() * s, self.height() / 2 - self._center.y() * s, w, h)

    def set_zoomed(self, zoomed: bool, at: QPointF | None = None) -> None:
        """Fit or 100 %; zooming in ``at`` a point of the view keeps that point of the photo under it."""
        if zoomed == self._zoomed:
            return
        if zoomed and not self._size.isEmpty():
            if at is None:
                at = QPointF(self.width() / 2, self.height() / 2)
            fit = self.photo_rect()
            fx = (at.x() - fit.x()) / fit.width() if fit.width() else 0.5
            fy = (at.y() - fit.y()) / fit.height() if fit.height() else 0.5
            point = QPointF(min(max(fx, 0.0), 1.0) * self._size.width(), min(max(fy, 0.0), 1.0) * self._size.height())
            self._zoomed = True
            s = self.scale()
            self._center = QPointF(
                point.x() - (at.x() - self.width() / 2) / s, point.y() - (at.y() - self.height() / 2) / s
            )
        else:
            self._zoomed = zoomed
        self._clamp()
        self._update_cursor()
        self.update()
        self.zoomChanged.emit(self._zoomed)

    def toggle_zoom(self, at: QPointF | None = None) -> None:
        self.set_zoomed(not self._zoomed, at)

    def pan(self, dx: float, dy: float) -> None:
        """Move the photo by (dx, dy) logical pixels (zoomed in only)."""
        if not self._zoomed:
            return
        s = self.scale()
        self._center = QPointF(self._center.x() - dx / s, self._center.y() - dy / s)
        self._clamp()
        self.update()

    def _clamp(self) -> None:
        if self._size.isEmpty():
            return
        s = self.scale()
        if s <= 0:
            return

        def axis(value: float, photo: int, view: int) -> float:
            half = view / 2 / s
            if photo * s <= view:
                return photo / 2
            return min(max(value, half), photo - half)

        self._center = QPointF(
            axis(self._center.x(), self._size.width(), self.width()),
            axis(self._center.y(), self._size.height(), self.height()),
        )

    def _update_cursor(self) -> None:
        if self._zoomed:
            dragging = self._press is not None and self._dragged
            self.setCursor(Qt.CursorShape.ClosedHandCursor if dragging else Qt.CursorShape.OpenHandCursor)
        else:
            self.setCursor(Qt.CursorShape.PointingHandCursor if self._image is not None else Qt.CursorShape.ArrowCursor)

    # -- painting ------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), BACKGROUND)
            image = self._image
            if image is not None and not self._size.isEmpty():
                self._paint_image(painter, image)
            if self._message:
                painter.setPen(TEXT)
                flags = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
                painter.drawText(self.rect().adjusted(24, 24, -24, -24), flags, self._message)
            if self._note:
                self._paint_note(painter)
        finally:
            painter.end()

    def _paint_image(self, painter: QPainter, image: QImage) -> None:
        target = self.photo_rect()
        visible = target.intersected(QRectF(self.rect()))
        if visible.isEmpty():
            return
        kx, ky = image.width() / target.width(), image.height() / target.height()
        left, top = (visible.x() - target.x()) * kx, (visible.y() - target.y()) * ky
        source = QRectF(left, top, visible.width() * kx, visible.height() * ky)
        ratio = self.devicePixelRatioF()
        if abs(kx - ratio) > 0.01 or abs(ky - ratio) > 0.01:  # not one picture pixel per screen pixel
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(visible, image, source)

    def _paint_note(self, painter: QPainter) -> None:
        metrics = self.fontMetrics()
        w, h = metrics.horizontalAdvance(self._note) + 20, metrics.height() + 10
        box = QRectF(12, 12, w, h)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, h / 2, h / 2)
        painter.setPen(QColor(235, 235, 235))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), self._note)

    # -- input ---------------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._clamp()
        self.boxChanged.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._press = self._last = event.position()
        self._dragged = False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or self._last is None:
            return
        pos = event.position()
        if not self._dragged and (pos - self._press).manhattanLength() >= DRAG_START:
            self._dragged = True
            self._update_cursor()
        if self._dragged:
            self.pan(pos.x() - self._last.x(), pos.y() - self._last.y())
        self._last = pos

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            super().mouseReleaseEvent(event)
            return
        clicked = not self._dragged
        self._press = self._last = None
        self._dragged = False
        if clicked and self._image is not None:
            self.toggle_zoom(event.position())
        self._update_cursor()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        event.accept()  # the first click toggled; a double-click is not two toggles (which would undo it)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:  # Ctrl+wheel (and pinch, below) zooms
            if event.angleDelta().y() > 0 and not self._zoomed:
                self.set_zoomed(True, event.position())
            elif event.angleDelta().y() < 0 and self._zoomed:
                self.set_zoomed(False)
            event.accept()
            return
        if not self._zoomed:
            event.ignore()
            return
        pixels = event.pixelDelta()
        if not pixels.isNull():  # a trackpad: follow the fingers
            dx, dy = float(pixels.x()), float(pixels.y())
        else:
            angle = event.angleDelta()
            dx, dy = angle.x() / 120 * WHEEL_STEP, angle.y() / 120 * WHEEL_STEP
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier and not dx:
                dx, dy = dy, 0.0
        self.pan(dx, dy)
        event.accept()

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QNativeGestureEvent) and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
            if event.value() > 0.02 and not self._zoomed:
                self.set_zoomed(True, event.position())
            elif event.value() < -0.02 and self._zoomed:
                self.set_zoomed(False)
            return True
        return super().event(event)
