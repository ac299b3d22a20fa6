"""The grid's thumbnail size: a slider in the status bar, Ctrl+= / Ctrl+−, and Ctrl+scroll over the grid.

Sizes step by ``STEP`` pixels between ``MIN_SIZE`` and ``MAX_SIZE`` (the range Settings offers), so a few
sizes share the thumbnail cache. The size is kept in the library's settings, written once the changes
settle. The photo at the top left of the grid (or the current one, when on screen) stays in view while
the cells grow or shrink.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPalette, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QSizePolicy, QSlider, QToolButton, QWidget

from desktop.gui.session import SETTING_THUMB

if TYPE_CHECKING:
    from desktop.gui.window import MainWindow

MIN_SIZE, MAX_SIZE, STEP = 96, 384, 32
SAVE_AFTER_MS = 600
NOTCH = 120  # angle delta of one wheel notch


def snap(size: int) -> int:
    return max(MIN_SIZE, min(MAX_SIZE, round(size / STEP) * STEP))


def square_icon(side: int, colour: QColor) -> QIcon:
    """A square outline of ``side`` pixels in a 14-pixel icon: small and large thumbnails."""
    pm = QPixmap(28, 28)
    pm.setDevicePixelRatio(2.0)
    pm.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pm)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(colour, 1.2))
    offset = (14 - side) / 2
    painter.drawRoundedRect(QRectF(offset, offset, side, side), 1.5, 1.5)
    painter.end()
    return QIcon(pm)


def keys(standard: QKeySequence.StandardKey, *more: str) -> list[QKeySequence]:
    """The platform's keys for ``standard`` and ``more``, each once (a key twice would be ambiguous)."""
    found: dict[str, QKeySequence] = {}
    for sequence in [*QKeySequence.keyBindings(standard), *(QKeySequence(k) for k in more)]:
        found.setdefault(sequence.toString(), sequence)
    return list(found.values())


class ThumbnailSizer(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.grid = window.grid
        self._wheel = 0  # angle delta not yet turned into a step (trackpads send small ones)
        self._save = QTimer(self, singleShot=True, interval=SAVE_AFTER_MS)
        self._save.timeout.connect(self._store)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("thumbnailSlider")
        self.slider.setRange(MIN_SIZE, MAX_SIZE)
        self.slider.setSingleStep(STEP)
        self.slider.setPageStep(STEP)
        self.slider.setFixedWidth(110)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setToolTip("Thumbnail size (Ctrl+= / Ctrl+−, or Ctrl+scroll over the grid)")
        self.slider.setValue(self.size)
        self.slider.valueChanged.connect(lambda v: self.set_size(snap(v)))
        self.smaller_action = QAction("Smaller Thumbnails", window)
        self.smaller_action.setShortcuts(keys(QKeySequence.StandardKey.ZoomOut, "Ctrl+-"))
        self.smaller_action.triggered.connect(self.smaller)
        self.larger_action = QAction("Larger Thumbnails", window)
        self.larger_action.setShortcuts(keys(QKeySequence.StandardKey.ZoomIn, "Ctrl+=", "Ctrl++"))
        self.larger_action.triggered.connect(self.larger)
        for action in (self.smaller_action, self.larger_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            window.addAction(action)
        self.widget = QWidget()
        self.widget.setObjectName("thumbnailSize")
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(6, 0, 6, 0)
        row.setSpacing(2)
        for side, action in ((7, self.smaller_action), (12, self.larger_action)):
            if action is self.larger_action:
                row.addWidget(self.slider)
            button = QToolButton()
            button.setIcon(square_icon(side, self.slider.palette().color(QPalette.ColorRole.WindowText)))
            button.setIconSize(QSize(14, 14))
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(action.text())
            button.clicked.connect(action.trigger)
            row.addWidget(button)
        self.widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        window.statusBar().addPermanentWidget(self.widget)
        self.grid.viewport().installEventFilter(self)

    @property
    def size(self) -> int:
        return self.window.results.thumbnail_size

    def set_size(self, size: int, *, save: bool = True) -> None:
        """Show thumbnails of ``size`` pixels (kept within the range); ``save`` stores it in the library."""
        size = max(MIN_SIZE, min(MAX_SIZE, size))
        if self.slider.value() != size:
            self.slider.blockSignals(True)
            self.slider.setValue(size)
            self.slider.blockSignals(False)
        if size == self.size:
            return
        grid = self.grid
        anchor = grid.currentIndex()
        if not anchor.isValid() or not grid.viewport().rect().intersects(grid.visualRect(anchor)):
            anchor = grid.indexAt(QPoint(8, 8))  # the photo at the top left
        grid.set_thumbnail_size(size)
        if anchor.isValid():
            grid.scrollTo(anchor, QAbstractItemView.ScrollHint.PositionAtTop)
        if save:
            self._save.start()

    def step(self, steps: int) -> None:
        self.set_size(snap(self.size) + steps * STEP)

    def larger(self) -> None:
        self.step(1)

    def smaller(self) -> None:
        self.step(-1)

    def _store(self) -> None:
        self.window.session.set_setting(SETTING_THUMB, str(self.size))

    def flush(self) -> None:
        """Store a size change still waiting to be written (the window is closing)."""
        if self._save.isActive():
            self._save.stop()
            self._store()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(event, QWheelEvent)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self._wheel += event.angleDelta().y()
            steps = int(self._wheel / NOTCH)
            if steps:
                self._wheel -= steps * NOTCH
                self.step(steps)
            event.accept()
            return True
        return False
