"""What the results area shows when there is nothing to show: no folders yet, no query yet, no hits."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.gui.widgets import GAP, heading, muted


def centred(widget: QWidget) -> QHBoxLayout:
    """``widget`` centred in a row. (Adding a word-wrapped label with an alignment flag instead would lose
    its height-for-width and clip the text.)"""
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget)
    row.addStretch(1)
    return row


class WelcomePanel(QWidget):
    """First run: ask for folders (or offer the demo)."""

    addFolder = Signal()
    tryDemo = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        title = heading("Welcome to Reframe", scale=1.6)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Search your photos by describing them, by example, or by example plus a change: "
            "drop in a photo and type “make the sky darker”.<br><br>"
            "Start by adding the folders where your photos live. Reframe indexes them in the background "
            "and keeps watching them; nothing leaves this computer."
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setFixedWidth(480)
        add = QPushButton("Add a Folder…")
        add.setObjectName("welcomeAdd")
        add.setDefault(True)
        add.setMinimumHeight(34)
        add.clicked.connect(self.addFolder)
        demo = QPushButton("Try the Demo Library")
        demo.setObjectName("welcomeDemo")
        demo.setMinimumHeight(34)
        demo.clicked.connect(self.tryDemo)
        hint = muted(QLabel("or drop a folder anywhere on this window"))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QHBoxLayout()
        buttons.setSpacing(GAP)
        buttons.addStretch(1)
        buttons.addWidget(add)
        buttons.addWidget(demo)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setSpacing(GAP * 2)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addLayout(centred(text))
        layout.addLayout(buttons)
        layout.addWidget(hint)
        layout.addStretch(3)


class EmptyState(QWidget):
    """A centred title and line of advice (no query yet, no results, model missing), and at times a button
    for the way out (:meth:`set_action`)."""

    actionClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.title = heading("", scale=1.3)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = muted(QLabel(""), smaller=False)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        self.detail.setFixedWidth(480)
        self.action = QPushButton()
        self.action.setObjectName("emptyAction")
        self.action.setMinimumHeight(30)
        self.action.clicked.connect(self.actionClicked)
        self.action.hide()
        layout = QVBoxLayout(self)
        layout.setSpacing(GAP)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addLayout(centred(self.detail))
        layout.addSpacing(GAP)
        layout.addLayout(centred(self.action))
        layout.addStretch(3)

    def show_text(self, title: str, detail: str = "") -> None:
        """Show a title and advice, without a button."""
        self.title.setText(title)
        self.detail.setText(detail)
        self.action.hide()

    def set_action(self, text: str | None) -> None:
        """Show a button under the advice (``actionClicked`` when pressed), or hide it with None."""
        self.action.setText(text or "")
        self.action.setVisible(bool(text))
