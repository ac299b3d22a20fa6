"""Small shared widgets and the spacing every panel uses."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QWidget

#: Spacing scale (logical pixels; Qt 6 scales them on HiDPI screens).
GAP = 8
MARGIN = 12


class ElidedLabel(QLabel):
    """A one-line label that elides its text (in the middle by default) instead of widening the window.
    The full text stays available as the tooltip."""

    def __init__(
        self, text: str = "", parent: QWidget | None = None, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle
    ) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        super().setText(text)
        self.update()

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:
        return QSize(20, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        elided = self.fontMetrics().elidedText(self._full, self._mode, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), elided)

    def elided_text(self) -> str:
        return self.fontMetrics().elidedText(self._full, self._mode, self.contentsRect().width())


#: Marks a label made by :func:`muted`, so that a change of theme can colour it again.
MUTED_PROPERTY = "reframeMuted"


def muted(label: QLabel, *, smaller: bool = True) -> QLabel:
    """Secondary text: the palette's placeholder colour, one point smaller."""
    label.setProperty(MUTED_PROPERTY, True)
    recolour_muted(label)
    if smaller:
        font = QFont(label.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        label.setFont(font)
    return label


def recolour_muted(label: QLabel) -> None:
    """Give a muted label the placeholder colour of the application's palette (which the theme sets)."""
    from PySide6.QtWidgets import QApplication

    app_palette = QApplication.palette()
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, app_palette.color(QPalette.ColorRole.PlaceholderText))
    label.setPalette(pal)


def heading(text: str, *, scale: float = 1.15) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line
