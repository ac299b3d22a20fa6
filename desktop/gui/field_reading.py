"""How the search field was read: a row of term chips under the field (``desktop.search.field``'s syntax).

Shown only when the field is more than one plain term: each positive term is a chip with its weight
("sunset ×2"), each negative a struck-through chip; a malformed weight shows the rule instead. Plain text
(one term, however many words) shows nothing: it is searched as typed.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from desktop.errors import UsageError
from desktop.gui.widgets import GAP, muted
from desktop.search.field import FieldQuery, parse_field
from desktop.search.terms import Term

TIP = (
    'How the field was read. Words in a row are one description; "a phrase" in quotes is a term of its own; '
    '-word or -"a phrase" pushes photos that match it down; N: before a word or a quoted phrase weights it '
    "(2:sunset counts twice)."
)
CHIP_STYLE = (
    "QLabel#termChip { border: 1px solid palette(mid); border-radius: 9px; padding: 1px 7px;"
    " background: palette(base); }"
    ' QLabel#termChip[negative="true"] { background: transparent; border-style: dashed; }'
)
ERROR_COLOUR = "#c0392b"


def weight_text(weight: float) -> str:
    """``2.0`` → ``"×2"``, ``0.5`` → ``"×0.5"``; the default weight 1 is not shown."""
    if weight == 1.0:
        return ""
    return f"×{weight:g}"


def chip_html(term: Term) -> str:
    text = html.escape(term.text, quote=False)
    if term.negative:
        text = f"<s>{text}</s>"
    weight = weight_text(term.weight)
    return f"{text} <b>{weight}</b>" if weight else text


class FieldReading(QWidget):
    """The term chips of the field's text; hidden for plain text and for an empty field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldReading")
        self.setToolTip(TIP)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setStyleSheet(CHIP_STYLE)
        self.caption = muted(QLabel("Read as"))
        self.error = QLabel()
        self.error.setObjectName("fieldRule")
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.chips: list[QLabel] = []
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(GAP // 2 + 1)
        self._row.addWidget(self.caption)
        self._row.addWidget(self.error)
        self._row.addStretch(1)
        self.reading: FieldQuery | None = None
        self.hide()

    def show_text(self, text: str) -> None:
        """Read ``text`` as the field does and show it (or hide, when there is nothing to explain)."""
        for chip in self.chips:
            self._row.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        try:
            self.reading = parse_field(text)
        except UsageError as exc:
            self.reading = None
            self.caption.hide()
            self.error.setText(f"⚠ {exc.hint or exc.message}")
            self.error.setToolTip(exc.message)
            self.error.show()
            self.show()
            return
        self.error.hide()
        self.caption.show()
        if not self.reading.terms or self.reading.plain:
            self.hide()
            return
        for i, term in enumerate(self.reading.terms):
            chip = QLabel(chip_html(term))
            chip.setObjectName("termChip")
            chip.setTextFormat(Qt.TextFormat.RichText)
            chip.setProperty("negative", term.negative)
            chip.setToolTip(_chip_tip(term))
            self._row.insertWidget(1 + i, chip)
            self.chips.append(chip)
        self.show()

    def chip_texts(self) -> list[str]:
        """What the chips say, negatives as ``-text`` (for tests and the accessibility name)."""
        return [("-" if c.property("negative") else "") + _plain(c.text()) for c in self.chips]


def _chip_tip(term: Term) -> str:
    weight = f", weight {term.weight:g}" if term.weight != 1.0 else ""
    if term.negative:
        return f"Pushed away: photos like “{term.text}” come lower{weight}"
    return f"Searched for: “{term.text}”{weight}"


def _plain(rich: str) -> str:
    for tag in ("<s>", "</s>", "<b>", "</b>"):
        rich = rich.replace(tag, "")
    return html.unescape(rich)
