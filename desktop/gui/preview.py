"""A larger look at one result (double-click or Space). Left and right step through the results."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QDialog, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop.gui.session import Session
from desktop.gui.widgets import ElidedLabel
from desktop.gui.worker import Context
from desktop.search.engine import FoundHit

PREVIEW_SIZE = 1024


class PreviewDialog(QDialog):
    def __init__(self, session: Session, hit_at: Callable[[int], FoundHit | None], row: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.setWindowTitle("Preview")
        self._session = session
        self._hit_at = hit_at
        self._pixmap: QPixmap | None = None
        self.row = -1
        self.image = QLabel("Loading…")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image.setMinimumSize(QSize(320, 240))
        self.caption = ElidedLabel()
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.caption)
        self.resize(760, 640)
        self.show_row(row)

    def show_row(self, row: int) -> None:
        hit = self._hit_at(row)
        if hit is None:
            return
        self.row = row
        score = f"   ·   score {hit.score:.3f}" if hit.score is not None else ""
        self.caption.setText(f"{hit.path}{score}")
        self.caption.setToolTip(hit.path)
        self.image.setText("Loading…")
        self._pixmap = None
        cache = self._session.thumbs

        def load(ctx: Context) -> QImage:
            return QImage(str(cache.get(hit.path, PREVIEW_SIZE)))

        def loaded(image: QImage) -> None:
            if self.row != row:
                return
            self._pixmap = QPixmap.fromImage(image)
            self._fit()

        self._session.run(load, loaded, name="preview")

    def _fit(self) -> None:
        if self._pixmap is None or self._pixmap.isNull():
            return
        scaled = self._pixmap.scaled(
            self.image.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.image.setPixmap(scaled)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.close()
        elif key == Qt.Key.Key_Right:
            self.show_row(self.row + 1)
        elif key == Qt.Key.Key_Left and self.row > 0:
            self.show_row(self.row - 1)
        else:
            super().keyPressEvent(event)
