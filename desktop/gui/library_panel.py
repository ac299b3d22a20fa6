"""The library panel: watched folders with their counts and state, indexing progress, pause and resume.

Folders are added with the button or by dropping a folder on the panel; a folder's failures open from its
"N failed" link. Clicking a folder narrows browsing and searching to it (``folderClicked``; the window makes
it a folder filter), and the folder filtered on is marked.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.indexer import PAUSED
from desktop.gui.results import local_paths
from desktop.gui.session import Session
from desktop.gui.widgets import GAP, MARGIN, ElidedLabel, heading, muted
from desktop.library import IndexProgress, RootStatus

COLOURS = {"ok": "#2e9d4f", "indexing": "#2f7fd8", "offline": "#9a9a9a", "missing": "#c8553d", "failed": "#d08a1f"}


ROW_STYLE = (
    "#rootRow { border-radius: 6px; border-left: 3px solid transparent; }"
    '#rootRow[active="true"] { background: palette(alternate-base); border-left: 3px solid palette(highlight); }'
)


class RootRow(QFrame):
    removeRequested = Signal(int)
    failuresRequested = Signal(int)
    clicked = Signal(str)  # the folder's path

    def __init__(self, root: RootStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rootRow")
        self.root = root
        self.name = ElidedLabel(os.path.basename(root.path.rstrip("/\\")) or root.path)
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.where = muted(ElidedLabel(os.path.dirname(root.path.rstrip("/\\"))))
        self.state = QLabel()
        self.state.setObjectName("rootState")
        self.state.setTextFormat(Qt.TextFormat.RichText)
        self.state.linkActivated.connect(lambda _: self.failuresRequested.emit(self.root.id))
        remove = QToolButton()
        remove.setText("×")
        remove.setAutoRaise(True)
        remove.setToolTip("Stop searching this folder (the photos themselves are not touched)")
        remove.clicked.connect(lambda: self.removeRequested.emit(self.root.id))
        top = QHBoxLayout()
        top.setSpacing(GAP // 2)
        top.addWidget(self.name, 1)
        top.addWidget(remove)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(GAP, GAP // 2, GAP // 2, GAP)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.where)
        layout.addWidget(self.state)
        self.setToolTip(root.path)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(ROW_STYLE)
        self.active = False

    def set_active(self, active: bool) -> None:
        """Marked as the folder the grid is narrowed to."""
        if active != self.active:
            self.active = active
            self.setProperty("active", "true" if active else "false")
            self.style().unpolish(self)
            self.style().polish(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()  # so the release comes here
        else:
            super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.root.path)
        super().mouseReleaseEvent(event)

    def update_status(
        self, root: RootStatus, *, indexing: bool, mode: str | None, progress: IndexProgress | None = None
    ) -> None:
        self.root = root
        c = root.counts
        indexed, pending, failed = c.get("indexed", 0), c.get("pending", 0), c.get("failed", 0)
        photos = f"{indexed:,} photo{'s' if indexed != 1 else ''}"
        kept = c.get("offline", 0) + c.get("unreachable", 0) + indexed
        if root.state == "offline":
            kind, text = "offline", f"Offline · {kept:,} photos kept"
        elif root.state == "denied":
            kind, text = "offline", f"Permission denied · {kept:,} photos kept"
        elif root.state == "missing":
            kind, text = "missing", "Folder not found"
        elif indexing and progress is not None and progress.phase == "encoding" and progress.total:
            kind, text = "indexing", f"Indexing · {progress.done:,} of {progress.total:,} new photos"
        elif indexing or pending:
            kind, text = "indexing", f"Indexing · {photos}" + (f", {pending:,} to go" if pending else "")
        else:
            kind, text = "ok", f"Up to date · {photos}"
        html = f'<span style="color:{COLOURS[kind]}">●</span> {text}'
        if failed:
            html += f' · <a href="failed" style="color:{COLOURS["failed"]}">{failed:,} failed</a>'
        unreachable = c.get("unreachable", 0)
        if unreachable and root.state == "ok":
            html += f" · {unreachable:,} unreachable (kept)"
        self.state.setText(html)
        self.kind = kind
        tip = f"{root.path}\nClick to show only this folder's photos (click again for all)."
        if mode == "polling":
            tip += "\nChanges are picked up by rescanning now and then (this folder cannot be watched)."
        self.setToolTip(tip)


class LibraryPanel(QWidget):
    folderClicked = Signal(str)  # a folder's path: narrow to it (or back to all when it is the one shown)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryPanel")
        self.setAcceptDrops(True)
        self.session = session
        self.rows: dict[int, RootRow] = {}
        self.active_folders: tuple[str, ...] = ()
        self.last_percent = 0
        self._progress: IndexProgress | None = None
        self.add_button = QPushButton("Add Folder…")
        self.add_button.clicked.connect(self.choose_folder)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseIndexing")
        self.pause_button.setToolTip("Pause or resume indexing")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.empty = muted(QLabel("No folders yet.\nAdd one, or drop a folder here."), smaller=False)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(GAP // 2)
        self.list_layout.addWidget(self.empty)
        self.list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.list)
        self.progress = QProgressBar()
        self.progress.setObjectName("indexProgress")
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(True)
        self.progress_label = muted(ElidedLabel(" "))
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(2500)
        self._hide_timer.timeout.connect(self._hide_progress_if_idle)

        buttons = QHBoxLayout()
        buttons.setSpacing(GAP)
        buttons.addWidget(self.add_button, 1)
        buttons.addWidget(self.pause_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, GAP, MARGIN)
        layout.setSpacing(GAP)
        layout.addWidget(heading("Library"))
        layout.addWidget(scroll, 1)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        self.progress.hide()
        self.progress_label.hide()

        session.rootsChanged.connect(self.set_roots)
        session.watchModesChanged.connect(lambda _: self.set_roots(self.session.roots))
        session.indexer.progress.connect(self.show_progress)
        session.indexer.stateChanged.connect(self.show_state)

    # -- folders ------------------------------------------------------------------------------------

    def set_roots(self, roots: list[RootStatus]) -> None:
        seen = set()
        running = self.session.indexer.running_roots
        indexing = self.session.indexer.state == "indexing"
        for root in roots:
            seen.add(root.id)
            row = self.rows.get(root.id)
            if row is None:
                row = self.rows[root.id] = RootRow(root)
                row.removeRequested.connect(self.confirm_remove)
                row.failuresRequested.connect(self.show_failures)
                row.clicked.connect(self.folderClicked.emit)
                self.list_layout.insertWidget(self.list_layout.count() - 1, row)
                row.show()
            busy = indexing and (running is None or root.id in running)
            row.update_status(
                root, indexing=busy, mode=self.session.watch_modes.get(root.path), progress=self._progress
            )
        for root_id in set(self.rows) - seen:
            self.rows.pop(root_id).deleteLater()
        self.mark_folders(self.active_folders)
        self.empty.setVisible(not self.rows)
        self.pause_button.setEnabled(bool(self.rows) or self.session.indexer.state == PAUSED)

    def mark_folders(self, folders: tuple[str, ...]) -> None:
        """Mark the rows of the folders the grid is narrowed to."""
        self.active_folders = tuple(folders)
        for row in self.rows.values():
            row.set_active(row.root.path in self.active_folders)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of photos", str(Path.home()))
        if folder:
            self.session.add_root(folder)

    def confirm_remove(self, root_id: int) -> None:
        row = self.rows.get(root_id)
        if row is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove folder",
            f"Stop searching “{row.root.path}”?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText("Its photos stay where they are; only Reframe's index of them is removed.")
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter must not remove a folder
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("confirmRemove")

        def clicked(button: object) -> None:
            if button is remove:
                self.session.remove_root(root_id)

        box.buttonClicked.connect(clicked)
        box.open()

    def show_failures(self, root_id: int) -> None:
        from desktop.gui.failures import FailuresDialog

        row = self.rows.get(root_id)
        if row is None:
            return
        dialog = FailuresDialog(row.root.path, self.session.failures(root_id), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- indexing -----------------------------------------------------------------------------------

    def toggle_pause(self) -> None:
        if self.session.indexer.state == PAUSED:
            self.session.indexer.resume()
        else:
            self.session.indexer.pause()

    def show_state(self, state: str) -> None:
        self.pause_button.setText("Resume" if state == PAUSED else "Pause")
        if state == PAUSED:
            self.progress_label.setText("Indexing paused")
            self.progress_label.show()
        elif state == "idle":
            self._progress = None
            self._hide_timer.start()
        self.set_roots(self.session.roots)

    def show_progress(self, p: IndexProgress) -> None:
        self._hide_timer.stop()
        self._progress = p
        self.progress.show()
        self.progress_label.show()
        if p.phase == "scanning":
            self.progress.setRange(0, 0)  # busy: the total is not known yet
            name = os.path.basename((p.root or "").rstrip("/\\")) or "folders"
            self.progress_label.setText(f"Looking for changes in {name}…")
            return
        self.progress.setRange(0, 100)
        if p.phase == "done":
            percent = 100
            self.progress_label.setText("Up to date")
        else:
            percent = int(100 * p.done / p.total) if p.total else 0
            text = f"Indexing {p.done:,} of {p.total:,}"
            if p.rate:
                text += f" · {p.rate:.0f}/s"
            if p.eta_s is not None and p.done < p.total and p.eta_s >= 1:
                text += f" · about {_duration(p.eta_s)} left"
            self.progress_label.setText(text)
        self.last_percent = percent
        self.progress.setValue(percent)
        self.set_roots(self.session.roots)  # rows of the folders being indexed show the count too

    def _hide_progress_if_idle(self) -> None:
        if self.session.indexer.state == "idle":
            self.progress.hide()
            self.progress_label.hide()

    # -- drops --------------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(p.is_dir() for p in local_paths(event.mimeData())):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        folders = [p for p in local_paths(event.mimeData()) if p.is_dir()]
        for folder in folders:
            self.session.add_root(folder)
        if folders:
            event.acceptProposedAction()


def _duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"
