"""Explains a model that cannot be loaded, and offers the ways out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.errors import ModelUnavailable
from desktop.gui.widgets import GAP, MARGIN, heading, muted

WEIGHTS_FILTER = "Model weights (*.bin *.pt *.pth *.safetensors);;All files (*)"


class ModelUnavailableDialog(QDialog):
    weightsChosen = Signal(str)
    settingsRequested = Signal()

    def __init__(self, model: str, error: ModelUnavailable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelUnavailable")
        self.setWindowTitle("Model not available")
        self.error = error
        title = heading(f"The model “{model}” cannot be loaded")
        title.setWordWrap(True)
        explain = QLabel(
            "Searching and indexing need this model's weights file, and it is not on this computer. "
            "Your folders stay listed and are indexed as soon as a model is available."
        )
        explain.setWordWrap(True)
        reason = muted(QLabel(error.message), smaller=False)
        reason.setWordWrap(True)
        reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        reason.setObjectName("modelReason")
        hint = muted(QLabel(error.hint or ""), smaller=False)
        hint.setWordWrap(True)
        hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint.setVisible(bool(error.hint))
        ways = QLabel(
            "You can <b>choose a weights file</b> you downloaded on another computer, or pick another model "
            "in Settings (the bundled “shapes-tiny” works offline, for the demo)."
        )
        ways.setWordWrap(True)
        self.choose_button = QPushButton("Choose a weights file…")
        self.choose_button.setObjectName("chooseWeights")
        self.choose_button.setDefault(True)
        self.choose_button.clicked.connect(self.choose)
        settings = QPushButton("Settings…")
        settings.clicked.connect(self._to_settings)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.setSpacing(GAP)
        buttons.addWidget(settings)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.choose_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN * 2, MARGIN * 2, MARGIN * 2, MARGIN)
        layout.setSpacing(GAP + 2)
        layout.addWidget(title)
        layout.addWidget(explain)
        layout.addWidget(reason)
        layout.addWidget(hint)
        layout.addWidget(ways)
        layout.addSpacing(GAP)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)

    def _to_settings(self) -> None:
        self.settingsRequested.emit()
        self.accept()

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a weights file", "", WEIGHTS_FILTER)
        if path:
            self.choose_weights(path)

    def choose_weights(self, path: str) -> None:
        self.weightsChosen.emit(path)
        self.accept()
