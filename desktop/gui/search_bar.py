"""The search bar: the reference well, the text field, and a line saying what kind of search ran.

Text alone searches by description, a photo alone finds similar photos, both run a composed search
("this photo, but ..."). Typing searches after a 250 ms pause; Enter and a new reference search at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.gui.field_reading import FieldReading
from desktop.gui.thumbnails import ThumbnailLoader
from desktop.gui.well import ReferenceWell
from desktop.gui.widgets import GAP, ElidedLabel, muted
from desktop.search.engine import Found

DEBOUNCE_MS = 250
TEXT_HINT = "Describe a photo — or drop a reference photo on the left and describe a change"
CHANGE_HINT = "Describe the change, e.g. “make the square red” — or leave empty for similar photos"
MODE_TEXT = {
    "text": "Text search",
    "image": "Similar photos",
    "combiner": "Composed search: reference + change (Combiner)",
    "sum": "Composed search: reference + change (sum of features)",
}


class QueryEdit(QLineEdit):
    """The text field. Ctrl+V with a file or a picture on the clipboard sets the reference instead of
    pasting text."""

    pasteReference = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            clipboard = QGuiApplication.clipboard()
            mime = clipboard.mimeData() if clipboard is not None else None
            if mime is not None and (mime.hasUrls() or (mime.hasImage() and not mime.hasText())):
                self.pasteReference.emit()
                return
        super().keyPressEvent(event)


def result_line(result: Found) -> str:
    """What the status line says of a result: how many photos, and for a search how many match."""
    if result.mode == "browse":
        n = result.matches or 0
        if n == 0 and not result.filters.active:
            return " "  # an empty library: the view in the middle says what to do
        within = " that pass the filters" if result.filters.active else ""
        return f"{n:,} photo{'s' if n != 1 else ''}{within}, newest first"
    kind = MODE_TEXT.get(result.mode, result.mode)
    m = result.matches if result.matches is not None else len(result.hits)
    within = " within the filters" if result.filters.active else ""
    if m == 0:
        return f"{kind} · no close matches{within}" + (" · the nearest photos below" if result.hits else "")
    weaker = " · weaker ones below the line" if len(result.hits) > m else ""
    return f"{kind} · {m:,} match{'es' if m != 1 else ''}{within}{weaker}"


class SearchBar(QWidget):
    queryChanged = Signal(str, object)  # text, reference path or None
    offerActivated = Signal(str)  # the link clicked in the offer beside the note ("train", "cancel")
    pasteFailed = Signal(str)  # why a paste gave no reference photo, in words

    def __init__(self, loader: ThumbnailLoader, paste_dir: Callable[[], Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.well = ReferenceWell(loader, paste_dir)
        self.field = QueryEdit()
        self.field.setObjectName("queryField")
        self.field.setClearButtonEnabled(True)
        self.field.setPlaceholderText(TEXT_HINT)
        self.field.setMinimumHeight(32)
        self.reading = FieldReading()  # how the field's text was read, when it is more than plain text
        self.status = muted(ElidedLabel(" ", mode=Qt.TextElideMode.ElideRight), smaller=False)
        self.status.setObjectName("searchStatus")
        self.note = muted(ElidedLabel("", mode=Qt.TextElideMode.ElideRight))
        self.note.setObjectName("searchNote")
        self.note.hide()
        self.offer = muted(QLabel())  # e.g. "Train a Combiner in the background" where composed search has none
        self.offer.setObjectName("combinerOffer")
        self.offer.setTextFormat(Qt.TextFormat.RichText)
        self.offer.setTextInteractionFlags(  # selectable too: it can hold a command to copy (pip install …)
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.offer.linkActivated.connect(self.offerActivated.emit)
        self.offer.hide()
        self.mode: str | None = None  # the mode of the search on screen
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_now)
        self.field.textEdited.connect(lambda _: self._timer.start())
        self.field.textChanged.connect(self._on_text_changed)
        self.field.textChanged.connect(self.reading.show_text)
        self.field.returnPressed.connect(self.run_now)
        self.field.pasteReference.connect(self.paste)
        self.well.referenceChanged.connect(self._on_reference)

        column = QVBoxLayout()
        column.setSpacing(GAP // 2)
        column.addStretch(1)
        column.addWidget(self.field)
        column.addWidget(self.reading)
        column.addWidget(self.status)
        notes = QHBoxLayout()
        notes.setSpacing(GAP)
        notes.addWidget(self.note, 1)
        notes.addWidget(self.offer)
        column.addLayout(notes)
        column.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(GAP + 4)
        row.addWidget(self.well)
        row.addLayout(column, 1)

    # -- the query ----------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.field.text().strip()

    @property
    def reference(self) -> str | None:
        return self.well.path

    def run_now(self) -> None:
        self._timer.stop()
        self.queryChanged.emit(self.text, self.reference)

    def set_query(self, text: str | None = None, reference: str | Path | None = None) -> None:
        """Set both parts at once and search once."""
        self.well.blockSignals(True)
        self.well.set_reference(reference)
        self.well.blockSignals(False)
        self._update_hint()
        if text is not None:
            self.field.setText(text)
        self.run_now()

    def show_query(self, text: str, reference: str | Path | None) -> None:
        """Show a query that is already being searched (the last one, restored at start) without searching."""
        self.well.blockSignals(True)
        self.well.set_reference(reference)
        self.well.blockSignals(False)
        self._update_hint()
        if text != self.field.text():  # (emptying the field would search: at start it is empty already)
            self.field.setText(text)

    def use_reference(self, path: str, *, keep_text: bool = True) -> None:
        """A result becomes the reference; the text field keeps focus for the next change."""
        self.well.blockSignals(True)
        self.well.set_reference(path)
        self.well.blockSignals(False)
        if not keep_text:
            self.field.clear()
        self._update_hint()
        self.field.setFocus()
        self.field.selectAll()
        self.run_now()

    def clear(self) -> None:
        self.well.blockSignals(True)
        self.well.clear()
        self.well.blockSignals(False)
        self.field.clear()
        self._update_hint()
        self.run_now()

    def clear_step(self) -> str | None:
        """Clear one part of the query: the text first, then the reference. Returns what was cleared."""
        if self.field.text():
            self.field.clear()  # textChanged("") searches at once
            return "text"
        if self.reference is not None:
            self.well.blockSignals(True)
            self.well.clear()
            self.well.blockSignals(False)
            self._update_hint()
            self.run_now()
            return "reference"
        return None

    def paste(self) -> bool:
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData() if clipboard is not None else None
        if mime is not None and self.well.accept_mime(mime):
            return True
        self.pasteFailed.emit(self.well.refusal if mime is not None else "Nothing to paste: the clipboard is empty")
        return False

    def focus_field(self) -> None:
        self.field.setFocus()
        self.field.selectAll()

    # -- what ran -----------------------------------------------------------------------------------

    def show_searching(self) -> None:
        self.status.setText("Searching…")

    def show_result(self, result: Found) -> None:
        self.mode = result.mode if result.mode != "browse" else None
        self.status.setText(result_line(result))
        self._set_note(result.note)

    def show_message(self, text: str) -> None:
        self.status.setText(text)
        self._set_note(None)

    def _set_note(self, note: str | None) -> None:
        note = note[:1].upper() + note[1:] if note else None
        self.note.setText(note or "")
        self.note.setToolTip(note or "")
        self.note.setVisible(bool(note))

    def set_offer(self, html: str | None, tooltip: str = "") -> None:
        """Show (or hide, with None) a line of rich text with links beside the note."""
        self.offer.setText(html or "")
        self.offer.setToolTip(tooltip)
        self.offer.setVisible(bool(html))

    def _on_reference(self, _path: object) -> None:
        self._update_hint()
        self.field.setFocus()
        self.run_now()

    def _on_text_changed(self, text: str) -> None:
        if not text:  # the clear button, or select-all + delete: no need to wait
            self.run_now()

    def _update_hint(self) -> None:
        self.field.setPlaceholderText(CHANGE_HINT if self.reference else TEXT_HINT)
