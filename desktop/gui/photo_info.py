"""The loupe's side panel: what is known about the photo on screen.

Date (and whether it is the camera's, from EXIF, or only the file's time), dimensions, file size, kind,
folder, and the score with where it stands when searching.
"""

from __future__ import annotations

import os
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from desktop.gui.widgets import ElidedLabel, heading, muted
from desktop.search.engine import FoundHit

FROM_EXIF = "from EXIF"
FROM_FILE = "file time (no EXIF date)"


def format_date(taken: str | None) -> str:
    """``2024-03-09T14:03:11`` -> ``Saturday 9 March 2024, 14:03``."""
    if not taken:
        return "unknown"
    try:
        dt = datetime.fromisoformat(taken)
    except ValueError:
        return taken
    return f"{dt:%A} {dt.day} {dt:%B %Y}, {dt:%H:%M}"


def format_bytes(n: int) -> str:
    """File sizes as a file manager shows them: ``3.7 MB``, ``820 KB``."""
    if n < 1000:
        return f"{n} bytes"
    units = ("KB", "MB", "GB", "TB")
    value, i = n / 1000, 0
    while value >= 1000 and i < len(units) - 1:
        value, i = value / 1000, i + 1
    return f"{value:.1f} {units[i]}" if value < 100 else f"{value:.0f} {units[i]}"


def format_dimensions(width: int | None, height: int | None) -> str:
    if not width or not height:
        return "unknown"
    return f"{width} × {height} px · {width * height / 1e6:.1f} MP"


class PhotoInfo(QFrame):
    """Labels the loupe fills for each photo; every value can be selected and copied."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoInfo")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFixedWidth(270)
        self.setAutoFillBackground(True)
        self.name = heading("", scale=1.05)
        self.name.setWordWrap(True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.date = self._value()
        self.date_source = muted(QLabel())
        self.dimensions = self._value()
        self.file_size = self._value()
        self.kind = self._value()
        self.folder = ElidedLabel()
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.score = self._value()
        self.score_note = muted(QLabel())
        self.score_note.setWordWrap(True)
        self.score_box = self._stack(self.score, self.score_note)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.rows: dict[str, QLabel] = {}
        for title, widget in (
            ("Date", self._stack(self.date, self.date_source)),
            ("Size", self.dimensions),
            ("File", self.file_size),
            ("Kind", self.kind),
            ("Folder", self.folder),
            ("Score", self.score_box),
        ):
            label = muted(QLabel(title), smaller=False)
            self.rows[title] = label
            form.addRow(label, widget)
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 16, 16, 16)
        column.setSpacing(14)
        column.addWidget(self.name)
        column.addLayout(form)
        column.addStretch(1)

    @staticmethod
    def _value() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    @staticmethod
    def _stack(top: QWidget, below: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(top)
        layout.addWidget(below)
        return box

    def _row_visible(self, title: str, widget: QWidget, visible: bool) -> None:
        self.rows[title].setVisible(visible)
        widget.setVisible(visible)

    def show_hit(self, hit: FoundHit, *, weaker: bool = False) -> None:
        """Fill the panel for ``hit``; a result without facts (a plain search hit) shows what it has."""
        self.name.setText(os.path.basename(hit.path))
        self.folder.setText(os.path.dirname(hit.path))
        self.folder.setToolTip(os.path.dirname(hit.path))
        facts = getattr(hit, "facts", None)
        self.date.setText(format_date(facts.taken) if facts is not None else "unknown")
        source = ""
        if facts is not None and facts.taken:
            source = FROM_EXIF if facts.date_source == "exif" else FROM_FILE
        self.date_source.setText(source)
        self.date_source.setVisible(bool(source))
        self.dimensions.setText(format_dimensions(facts.width, facts.height) if facts is not None else "unknown")
        self.file_size.setText(format_bytes(facts.size) if facts is not None and facts.size else "unknown")
        kind = (facts.kind or "").upper() if facts is not None else ""
        self.kind.setText(kind or os.path.splitext(hit.path)[1].lstrip(".").upper() or "unknown")
        score = hit.score
        self._row_visible("Score", self.score_box, score is not None)
        if score is not None:
            self.score.setText(f"{score:.3f}")
            self.score_note.setText("after the matches (a weaker match)" if weaker else "")
            self.score_note.setVisible(weaker)

    def set_dimensions(self, width: int, height: int) -> None:
        """The size read from the photo itself, when the catalogue had none."""
        if self.dimensions.text() == "unknown":
            self.dimensions.setText(format_dimensions(width, height))
