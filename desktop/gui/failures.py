"""Which files of a folder could not be indexed, and why."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.widgets import MARGIN


class FailuresDialog(QDialog):
    def __init__(self, folder: str, failures: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("failures")
        self.setWindowTitle("Files that could not be indexed")
        intro = QLabel(
            f"{len(failures):,} file{'s' if len(failures) != 1 else ''} in <b>{_escape(folder)}</b> could not be "
            "read. They are skipped; fix or replace them and they are picked up on the next scan."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(failures), 2)
        self.table.setHorizontalHeaderLabels(["File", "Reason"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (path, reason) in enumerate(failures):
            shown = os.path.relpath(path, folder) if path.startswith(folder) else path
            item = QTableWidgetItem(shown)
            item.setToolTip(path)
            self.table.setItem(row, 0, item)
            why = QTableWidgetItem(reason)
            why.setToolTip(reason)
            self.table.setItem(row, 1, why)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(720, 420)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
