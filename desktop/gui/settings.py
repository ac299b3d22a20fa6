"""Settings: the model, the device, thumbnail size, how many results, and folders to leave out.

Values live in the library (its settings table), so they travel with it. The dialog only collects them;
the window applies them through the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.widgets import GAP, MARGIN
from desktop.models.registry import available_models

DEVICES = (("Automatic", ""), ("CPU", "cpu"), ("CUDA (NVIDIA GPU)", "cuda"), ("MPS (Apple GPU)", "mps"))


@dataclass
class Settings:
    model: str
    device: str = ""  # "" = automatic
    thumbnail_size: int = 160
    results: int = 500
    excluded: list[str] = field(default_factory=list)


class SettingsDialog(QDialog):
    def __init__(self, current: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings")
        self.setWindowTitle("Settings")
        self.model = QComboBox()
        for spec in available_models():
            self.model.addItem(spec.name, spec.name)
            self.model.setItemData(self.model.count() - 1, spec.description, Qt.ItemDataRole.ToolTipRole)
        if self.model.findData(current.model) < 0:
            self.model.addItem(current.model, current.model)
        self.model.setCurrentIndex(self.model.findData(current.model))
        self.device = QComboBox()
        for label, value in DEVICES:
            self.device.addItem(label, value)
        self.device.setCurrentIndex(max(0, self.device.findData(current.device)))
        self.thumbs = QSpinBox()
        self.thumbs.setRange(96, 384)
        self.thumbs.setSingleStep(32)
        self.thumbs.setSuffix(" px")
        self.thumbs.setValue(current.thumbnail_size)
        self.results = QSpinBox()
        self.results.setRange(20, 10000)
        self.results.setSingleStep(100)
        self.results.setValue(current.results)
        self.excluded = QListWidget()
        self.excluded.addItems(current.excluded)
        self.excluded.setMinimumHeight(90)
        add = QPushButton("Add…")
        add.clicked.connect(self._add_excluded)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_excluded)
        ex_buttons = QVBoxLayout()
        ex_buttons.addWidget(add)
        ex_buttons.addWidget(remove)
        ex_buttons.addStretch(1)
        ex_row = QHBoxLayout()
        ex_row.addWidget(self.excluded, 1)
        ex_row.addLayout(ex_buttons)

        form = QFormLayout()
        form.setSpacing(GAP)
        form.addRow("Model:", self.model)
        form.addRow("Device:", self.device)
        form.addRow("Thumbnail size:", self.thumbs)
        form.addRow("Results per search:", self.results)
        form.addRow("Excluded folders:", ex_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def value(self) -> Settings:
        return Settings(
            model=self.model.currentData(),
            device=self.device.currentData(),
            thumbnail_size=self.thumbs.value(),
            results=self.results.value(),
            excluded=[self.excluded.item(i).text() for i in range(self.excluded.count())],
        )

    def _remove_excluded(self) -> None:
        for item in self.excluded.selectedItems():
            self.excluded.takeItem(self.excluded.row(item))

    def _add_excluded(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Leave out a folder")
        if folder and not self.excluded.findItems(folder, Qt.MatchFlag.MatchExactly):
            self.excluded.addItem(folder)
