"""Export…: copying the selected photos to a folder, with progress, then what was copied, renamed or skipped.

The copying is :func:`desktop.export.export_files` on a lane of its own; the dialog is not modal, so the
window stays usable meanwhile. Stop ends it between two photos (what was copied stays). Nothing in the
folder is ever overwritten: a name that is taken gets `` (2)``, and the report lists those.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import cast

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import ReframeError
from desktop.export import ExportReport, export_files
from desktop.gui import files
from desktop.gui.widgets import ElidedLabel, heading, muted
from desktop.gui.worker import Context, Lane, Op


def _photos(n: int) -> str:
    return f"{n:,} photo{'s' if n != 1 else ''}"


def report_details(report: ExportReport) -> str:
    """The lines under the summary: each renamed copy and each skipped photo, with why."""
    lines: list[str] = []
    if report.renamed:
        lines.append("Renamed, to keep the files already in the folder:")
        lines += [f"  {os.path.basename(c.source)} → {os.path.basename(c.target)}" for c in report.renamed]
    if report.skipped:
        if lines:
            lines.append("")
        lines.append("Not copied:")
        lines += [f"  {os.path.basename(s.source)}: {s.reason}" for s in report.skipped]
    return "\n".join(lines)


class ExportDialog(QDialog):
    finishedExport = Signal(object)  # ExportReport, or a ReframeError when it could not start

    def __init__(self, paths: Sequence[str], folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self.setMinimumWidth(460)
        self.paths = list(paths)
        self.folder = folder
        self.report: ExportReport | None = None
        self._op: Op[ExportReport] | None = None
        self._placed = False
        name = os.path.basename(os.path.normpath(folder)) or folder
        self.title = heading(f"Exporting {_photos(len(self.paths))} to “{name}”")
        self.title.setWordWrap(True)
        self.where = muted(ElidedLabel(folder))
        self.where.setToolTip(folder)
        self.bar = QProgressBar()
        self.bar.setRange(0, max(1, len(self.paths)))
        self.bar.setValue(0)
        self.current = ElidedLabel("")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("exportSummary")
        self.summary.hide()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setObjectName("exportDetails")
        self.details.hide()
        self.buttons = QDialogButtonBox()
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the photo being copied; what was copied stays")
        self.stop_button.clicked.connect(self.stop)
        self.reveal_button = QPushButton("Show in Folder")
        self.reveal_button.clicked.connect(self.reveal)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        for button in (self.reveal_button, self.stop_button, self.close_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.reveal_button.hide()  # after adding: the box shows what it is given
        self.close_button.hide()
        column = QVBoxLayout(self)
        column.setSpacing(8)
        for w in (self.title, self.where, self.bar, self.current, self.summary, self.details):
            column.addWidget(w)
        column.addSpacing(6)
        column.addWidget(self.buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        parent = self.parentWidget()
        if parent is not None and not self._placed:  # over the window, whatever the window manager does
            self._placed = True
            frame = self.frameGeometry()
            frame.moveCenter(parent.frameGeometry().center())
            self.move(frame.topLeft())

    @property
    def running(self) -> bool:
        return self._op is not None and not self._op.done

    def start(self, lane: Lane) -> None:
        paths, folder = self.paths, self.folder

        def work(ctx: Context) -> ExportReport:
            return export_files(
                paths, folder, progress=lambda done, total, name: ctx.progress((done, total, name)), cancel=ctx.cancel
            )

        self._op = Op(work, success=self._done, failure=self._failed, parent=self, name="export")
        self._op.with_progress(self._progress).run_in(lane)

    def _progress(self, value: object) -> None:
        done, total, name = cast(tuple[int, int, str], value)
        self.bar.setValue(done)
        self.current.setText(f"{done + 1:,} of {total:,}: {name}" if name else f"{done:,} of {total:,}")

    def _done(self, report: ExportReport) -> None:
        self.report = report
        self.bar.setValue(len(report.copied) + len(report.skipped))
        self.title.setText("Export stopped" if report.cancelled else "Export finished")
        self.current.hide()
        self.summary.setText(report.summary() + ".")
        self.summary.show()
        details = report_details(report)
        self.details.setPlainText(details)
        lines = min(12, details.count("\n") + 1)
        margins = self.details.contentsMargins()
        frame = 2 * self.details.frameWidth() + margins.top() + margins.bottom() + 8
        self.details.setFixedHeight(lines * self.details.fontMetrics().lineSpacing() + frame)
        self.details.setVisible(bool(details))
        self._finish(can_reveal=bool(report.copied))
        self.finishedExport.emit(report)

    def _failed(self, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, ReframeError) else f"The export failed: {type(exc).__name__}"
        self.title.setText("Nothing was exported")
        self.current.hide()
        self.bar.hide()
        self.summary.setText(text)
        self.summary.show()
        self._finish(can_reveal=False)
        self.finishedExport.emit(exc if isinstance(exc, ReframeError) else ReframeError(text))

    def _finish(self, *, can_reveal: bool) -> None:
        self.stop_button.hide()
        self.reveal_button.setVisible(can_reveal)
        self.close_button.show()
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def stop(self) -> None:
        if self.running and self._op is not None:
            self._op.cancel()
            self.stop_button.setEnabled(False)
            self.current.setText("Stopping after this photo…")

    def reveal(self) -> None:
        report = self.report
        if report is not None and report.copied:
            files.reveal(report.copied[0].target)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:  # closing while it runs stops it; the report still reaches the status bar
            self.stop()
        super().closeEvent(event)

    def reject(self) -> None:
        if self.running:
            self.stop()
        super().reject()
