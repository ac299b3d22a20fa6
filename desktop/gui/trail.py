"""The refine trail: one chip per turn in a breadcrumb row above the grid (``desktop.search.history.Trail``).

A chip shows the turn's reference photo (small) and its text; hovering shows the whole query (reference,
text, filters). The chip on screen is checked; clicking another goes back (or forward) to it. Back and
forward buttons at the left do what Alt+Left and Alt+Right do. The row is hidden while the trail is empty.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QLinearGradient,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QToolButton, QWidget

from desktop.gui.thumbnails import ThumbnailLoader
from desktop.gui.well import WELL_SIZE
from desktop.gui.widgets import GAP, muted
from desktop.search.history import Turn

ICON = 22
FADE = 28  # the soft edge where the strip scrolls on
THUMB = 2 * WELL_SIZE  # the size the well loads: a chip reuses its thumbnail
STYLE = (
    "QToolButton#trailChip { border: 1px solid palette(mid); border-radius: 13px; padding: 2px 10px 2px 6px;"
    " background: palette(base); }"
    " QToolButton#trailChip:hover { border-color: palette(highlight); }"
    " QToolButton#trailChip:checked { border: 2px solid palette(highlight); padding: 1px 9px 1px 5px;"
    " background: palette(alternate-base); }"
)


class TrailChip(QToolButton):
    def __init__(self, index: int, turn: Turn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trailChip")
        self.index = index
        self.turn = turn
        self.setCheckable(True)
        self.setAutoRaise(False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setIconSize(QSize(ICON, ICON))
        self.setText(turn.label().replace("&", "&&"))
        self.setToolTip(turn.describe())
        self.setMinimumHeight(ICON + 8)


class _Fade(QWidget):
    """A soft edge over one end of the strip where chips go on beyond it."""

    def __init__(self, parent: QWidget, left: bool) -> None:
        super().__init__(parent)
        self.left = left
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        solid = self.palette().color(QPalette.ColorRole.Window)
        clear = QColor(solid)
        clear.setAlpha(0)
        gradient = QLinearGradient(0, 0, self.width(), 0)
        gradient.setColorAt(0.0, solid if self.left else clear)
        gradient.setColorAt(1.0, clear if self.left else solid)
        QPainter(self).fillRect(self.rect(), gradient)


class _Row(QScrollArea):
    """A horizontal strip without a scroll bar: the wheel scrolls it sideways, and a faded edge says that
    there is more on that side."""

    def __init__(self) -> None:
        super().__init__()
        self._fades = (_Fade(self, left=True), _Fade(self, left=False))
        bar = self.horizontalScrollBar()
        bar.valueChanged.connect(lambda _v: self._update_fades())
        bar.rangeChanged.connect(lambda _lo, _hi: self._update_fades())

    def wheelEvent(self, event: QWheelEvent) -> None:
        bar = self.horizontalScrollBar()
        delta = event.angleDelta()
        bar.setValue(bar.value() - (delta.y() or delta.x()) // 2)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_fades()

    def _update_fades(self) -> None:
        bar = self.horizontalScrollBar()
        width, height = FADE, self.height()
        left, right = self._fades
        left.setGeometry(0, 0, width, height)
        right.setGeometry(self.width() - width, 0, width, height)
        left.setVisible(bar.value() > bar.minimum())
        right.setVisible(bar.value() < bar.maximum())
        left.raise_()
        right.raise_()


class TrailBar(QWidget):
    turnChosen = Signal(int)
    clearRequested = Signal()

    def __init__(self, loader: ThumbnailLoader, back: QAction, forward: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trailBar")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setStyleSheet(STYLE)
        self._loader = loader
        self.chips: list[TrailChip] = []
        self.back_button = self._arrow(back)
        self.forward_button = self._arrow(forward)
        self._strip = QWidget()
        self._chips_row = QHBoxLayout(self._strip)
        self._chips_row.setContentsMargins(2, 2, 2, 2)
        self._chips_row.setSpacing(GAP // 2)
        self._chips_row.addStretch(1)
        self.strip_area = _Row()
        self.strip_area.setObjectName("trailScroll")
        self.strip_area.setWidget(self._strip)
        self.strip_area.setWidgetResizable(True)
        self.strip_area.setFrameShape(QFrame.Shape.NoFrame)
        self.strip_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip_area.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.strip_area.setFixedHeight(ICON + 14)
        self.strip_area.setStyleSheet(
            "QScrollArea#trailScroll, QScrollArea#trailScroll > QWidget > QWidget { background: transparent; }"
        )
        self.clear_button = QToolButton()
        self.clear_button.setObjectName("trailClear")
        self.clear_button.setText("Clear")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolTip("Forget the trail (the search on screen stays)")
        self.clear_button.clicked.connect(self.clearRequested.emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.back_button)
        row.addWidget(self.forward_button)
        row.addSpacing(GAP // 2)
        row.addWidget(self.strip_area, 1)
        row.addWidget(self.clear_button)
        self._follow = -1  # the chip kept in view
        self.strip_area.horizontalScrollBar().rangeChanged.connect(lambda _lo, _hi: self._show_current())
        loader.arrived.connect(self._on_thumbs)
        self.hide()

    def _arrow(self, action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        return button

    # -- content ------------------------------------------------------------------------------------

    def set_trail(self, turns: list[Turn], cursor: int) -> None:
        """Show ``turns`` with the one at ``cursor`` checked (rebuilt each time: a trail is short)."""
        while self._chips_row.count() > 1:  # everything but the stretch at the end
            item = self._chips_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.chips = []
        for i, turn in enumerate(turns):
            if i:
                arrow = muted(QLabel("›"), smaller=False)
                self._chips_row.insertWidget(self._chips_row.count() - 1, arrow)
            chip = TrailChip(i, turn)
            chip.setChecked(i == cursor)
            chip.clicked.connect(lambda _=False, i=i: self._choose(i))
            self._set_icon(chip)
            self._chips_row.insertWidget(self._chips_row.count() - 1, chip)
            self.chips.append(chip)
        self.setVisible(bool(turns))
        self._follow = cursor
        self._show_current()

    def _show_current(self) -> None:
        """Scroll the current chip into view (again once the strip has its new width: ``rangeChanged``)."""
        if 0 <= self._follow < len(self.chips):
            self.strip_area.ensureWidgetVisible(self.chips[self._follow], GAP * 4, 0)

    def mark(self, index: int) -> None:
        """Check the chip of the turn on screen (-1: none is)."""
        for chip in self.chips:
            chip.setChecked(chip.index == index)

    def _choose(self, index: int) -> None:
        self.mark(index)  # a checkable button unchecks itself when clicked again: keep it checked
        self.turnChosen.emit(index)

    def _set_icon(self, chip: TrailChip) -> None:
        path = chip.turn.image
        if not path:
            return
        pm = self._loader.pixmap(path, THUMB)
        chip.setIcon(QIcon(_square(pm)) if pm is not None else QIcon())

    def _on_thumbs(self, keys: list[tuple[str, int]]) -> None:
        arrived = {path for path, size in keys if size == THUMB}
        for chip in self.chips:
            if chip.turn.image in arrived:
                self._set_icon(chip)


def _square(pm: QPixmap) -> QPixmap:
    """The middle square of a thumbnail, so that every chip's picture has the same size."""
    side = min(pm.width(), pm.height())
    return pm.copy((pm.width() - side) // 2, (pm.height() - side) // 2, side, side)
