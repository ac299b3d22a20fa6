"""Library › Find Duplicates: the engine's groups of near-duplicate photos side by side, the keeper marked.

The search runs in the background (:func:`desktop.duplicates.find_duplicates` on its own lane: it reads
the stored vectors and a small thumbnail of each candidate, and needs no model). Each group shows its
photos with the suggested keeper first and marked; another can be chosen to keep. Per photo: Open and
Show in Folder. Per group: Move Others to Trash, only after a confirmation, to the system trash
(:mod:`desktop.trash`; never a hard delete). Moved photos leave the view and the library forgets them
(the indexer rescans their folders); a file that could not be moved is named with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.catalog.queries import PhotoFacts
from desktop.duplicates import DuplicateReport, find_duplicates
from desktop.gui import files
from desktop.gui.session import Session
from desktop.gui.thumbnails import ThumbnailLoader
from desktop.gui.widgets import GAP, MARGIN, ElidedLabel, heading, muted
from desktop.gui.worker import Context, Lane, Op
from desktop.trash import TrashReport, move_to_trash

THUMB = 176
CARD_WIDTH = THUMB + 2 * GAP


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def describe(photo: PhotoFacts) -> str:
    """ "4000×3000 · 2.4 MB · 2021-06-01" """
    parts = []
    if photo.width and photo.height:
        parts.append(f"{photo.width}×{photo.height}")
    parts.append(human_size(photo.size))
    if photo.taken:
        parts.append(photo.taken[:10])
    return " · ".join(parts)


class PhotoCard(QFrame):
    """One photo of a group: its picture, what it is, whether it is kept, Open and Show in Folder."""

    def __init__(self, photo: PhotoFacts, suggested: bool, loader: ThumbnailLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("duplicatePhoto")
        self.photo = photo
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(CARD_WIDTH)
        self.picture = QLabel("…")
        self.picture.setObjectName("duplicatePicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setFixedSize(THUMB, THUMB)
        self.keep = QRadioButton("Keep this one")
        self.keep.setObjectName("keepPhoto")
        self.badge = QLabel("Suggested keeper" if suggested else "")
        self.badge.setObjectName("keeperBadge")
        self.name = ElidedLabel(Path(photo.path).name)
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.facts = muted(QLabel(describe(photo)))
        self.folder = muted(ElidedLabel(os.path.dirname(photo.path)))
        self.setToolTip(photo.path)
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("openPhoto")
        self.open_button.clicked.connect(lambda: files.open_file(photo.path))
        self.reveal_button = QPushButton("Show in Folder")
        self.reveal_button.setObjectName("revealPhoto")
        self.reveal_button.clicked.connect(lambda: files.reveal(photo.path))
        buttons = QHBoxLayout()
        buttons.setSpacing(GAP // 2)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reveal_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(GAP, GAP, GAP, GAP)
        layout.setSpacing(GAP // 2)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.name)
        layout.addWidget(self.facts)
        layout.addWidget(self.folder)
        layout.addWidget(self.keep)
        layout.addWidget(self.badge)
        layout.addLayout(buttons)
        self.keep.toggled.connect(lambda _: self._style())
        self._loader = loader
        self.show_thumbnail()

    @property
    def path(self) -> str:
        return self.photo.path

    def show_thumbnail(self) -> bool:
        pm = self._loader.pixmap(self.path, THUMB)
        if pm is not None:
            self._set_picture(pm)
            return True
        reason = self._loader.error(self.path, THUMB)
        if reason is not None:
            self.picture.setText("cannot show")
            self.picture.setToolTip(reason)
            return True
        return False

    def _set_picture(self, pm: QPixmap) -> None:
        ratio = self.devicePixelRatioF()
        scaled = pm.scaled(
            self.picture.size() * ratio, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        scaled.setDevicePixelRatio(ratio)
        self.picture.setPixmap(scaled)

    def _style(self) -> None:
        kept = self.keep.isChecked()
        self.setStyleSheet(
            "#duplicatePhoto { border: 2px solid palette(highlight); border-radius: 6px; }"
            if kept
            else "#duplicatePhoto { border: 1px solid palette(mid); border-radius: 6px; }"
        )
        font = self.badge.font()
        font.setBold(kept)
        self.badge.setFont(font)


class GroupView(QFrame):
    """One group: a heading, the photos side by side, and Move Others to Trash."""

    trashRequested = Signal(object)  # GroupView

    def __init__(self, number: int, group: list[PhotoFacts], loader: ThumbnailLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("duplicateGroup")
        self.number = number
        self.title = heading("")
        self.trash_button = QPushButton("Move Others to Trash…")
        self.trash_button.setObjectName("trashOthers")
        self.trash_button.setToolTip("Move every photo of this group but the one kept to the system trash")
        self.trash_button.clicked.connect(lambda: self.trashRequested.emit(self))
        self.keep_group = QButtonGroup(self)
        self.cards: list[PhotoCard] = []
        self.row = QHBoxLayout()
        self.row.setSpacing(GAP)
        for i, photo in enumerate(group):
            card = PhotoCard(photo, suggested=i == 0, loader=loader)
            self.keep_group.addButton(card.keep)
            self.cards.append(card)
            self.row.addWidget(card)
        self.row.addStretch(1)
        self.cards[0].keep.setChecked(True)
        for card in self.cards:
            card._style()
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.trash_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, GAP, 0, GAP)
        layout.setSpacing(GAP)
        layout.addLayout(top)
        layout.addLayout(self.row)
        self._update_title()

    def _update_title(self) -> None:
        n = len(self.cards)
        self.title.setText(f"Group {self.number} · {n} photos")

    @property
    def keeper(self) -> PhotoCard:
        return next((c for c in self.cards if c.keep.isChecked()), self.cards[0])

    def others(self) -> list[PhotoCard]:
        keeper = self.keeper
        return [c for c in self.cards if c is not keeper]

    def remove_paths(self, paths: set[str]) -> None:
        for card in [c for c in self.cards if c.path in paths]:
            self.cards.remove(card)
            self.keep_group.removeButton(card.keep)
            card.deleteLater()
        if self.cards and not any(c.keep.isChecked() for c in self.cards):
            self.cards[0].keep.setChecked(True)
        self._update_title()

    def set_busy(self, busy: bool) -> None:
        self.trash_button.setEnabled(not busy and len(self.cards) > 1)
        self.trash_button.setText("Moving to Trash…" if busy else "Move Others to Trash…")


class DuplicatesView(QDialog):
    """The window of Library › Find Duplicates."""

    searchFinished = Signal()
    trashFinished = Signal(object)  # TrashReport

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicates")
        self.setWindowTitle("Duplicates")
        self.setWindowFlag(Qt.WindowType.Window)  # a window of its own, beside the main one
        self.session = session
        self.lane = Lane("duplicates", 1)
        self.loader = ThumbnailLoader(session.thumbs, threads=1)
        self.loader.arrived.connect(self._on_thumbs)
        self.report: DuplicateReport | None = None
        self.groups: list[GroupView] = []
        self.running = False
        self._closed = False
        self.summary = muted(QLabel(""), smaller=False)
        self.summary.setObjectName("duplicatesSummary")
        self.summary.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setObjectName("duplicatesBusy")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(200)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.again = QPushButton("Look Again")
        self.again.setObjectName("findAgain")
        self.again.clicked.connect(self.look)
        self.message = muted(QLabel(""))
        self.message.setObjectName("duplicatesMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(GAP)
        self.list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.list)
        head = QHBoxLayout()
        head.setSpacing(GAP)
        head.addWidget(heading("Duplicates", scale=1.3))
        head.addStretch(1)
        head.addWidget(self.busy)
        head.addWidget(self.again)
        explain = muted(
            QLabel(
                "The same picture more than once: copies, resized or recompressed versions. The photo kept is "
                "marked; the others can go to the system trash, from where they can be restored."
            ),
            smaller=False,
        )
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN * 2, MARGIN, MARGIN * 2, MARGIN)
        layout.setSpacing(GAP)
        layout.addLayout(head)
        layout.addWidget(explain)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        files.notifier().failed.connect(self._show_message)
        self.resize(900, 680)

    # -- finding ------------------------------------------------------------------------------------

    def look(self) -> None:
        """Look for duplicates in the background; the groups replace what is shown when it is done."""
        lib = self.session.library
        if self.running:
            return
        if lib is None:
            self._show_message("The library is being reopened: look again in a moment.")
            return
        self.running = True
        self.busy.show()
        self.again.setEnabled(False)
        self.summary.setText("Looking for duplicates…")
        self.message.setText("")

        def work(ctx: Context) -> DuplicateReport:
            return find_duplicates(lib)

        op: Op[DuplicateReport] = Op(work, success=self._found, failure=self._find_failed, name="find duplicates")
        op.finished.connect(self._find_done)
        op.run_in(self.lane)

    def _find_done(self) -> None:
        self.running = False
        if self._closed:
            return
        self.busy.hide()
        self.again.setEnabled(True)
        self.searchFinished.emit()

    def _find_failed(self, exc: BaseException) -> None:
        if self._closed:
            return
        from desktop.gui.messages import show_error

        self.summary.setText("Duplicates could not be looked for.")
        show_error(self, exc, context="find duplicates")

    def _found(self, report: DuplicateReport) -> None:
        if self._closed:
            return
        self.report = report
        for group in self.groups:
            group.deleteLater()
        self.groups = []
        for n, photos in enumerate(report.groups, 1):
            view = GroupView(n, photos, self.loader)
            view.trashRequested.connect(self.confirm_trash)
            self.list_layout.insertWidget(self.list_layout.count() - 1, view)
            self.groups.append(view)
        self._update_summary()

    def _update_summary(self) -> None:
        groups = [g for g in self.groups if len(g.cards) > 1]
        if not groups:
            self.summary.setText("No duplicates found: every photo in the library is there once.")
            return
        photos = sum(len(g.cards) for g in groups)
        extra = photos - len(groups)
        self.summary.setText(
            f"{len(groups)} group{'s' if len(groups) != 1 else ''} of the same picture, {photos} photos: "
            f"{extra} could go to the trash."
        )

    # -- trashing -----------------------------------------------------------------------------------

    def confirm_trash(self, group: GroupView) -> QMessageBox:
        """Ask before moving the group's other photos to the trash; Cancel is the default."""
        others = group.others()
        keeper = group.keeper
        n = len(others)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Move to Trash",
            f"Move {n} photo{'s' if n != 1 else ''} to the trash?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("confirmTrash")
        names = "\n".join(f"• {c.path}" for c in others[:8]) + ("\n…" if n > 8 else "")
        box.setInformativeText(
            f"Kept: {Path(keeper.path).name}\n\nThey can be restored from the system trash.\n\n{names}"
        )
        move = box.addButton("Move to Trash", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter must not move anything
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)

        def clicked(button: object) -> None:
            if button is move:
                self.trash(group, [c.path for c in others])

        box.buttonClicked.connect(clicked)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def trash(self, group: GroupView, paths: list[str]) -> None:
        """Move ``paths`` to the system trash in the background, then drop them from the view and the library."""
        group.set_busy(True)

        def work(ctx: Context) -> TrashReport:
            return move_to_trash(paths)

        def done(report: TrashReport) -> None:
            self._trashed(group, report)

        def failed(exc: BaseException) -> None:  # the trash itself is unusable (send2trash missing)
            group.set_busy(False)
            from desktop.gui.messages import show_error

            show_error(self, exc, context="move to trash")

        Op(work, success=done, failure=failed, name="move to trash").run_in(self.lane)

    def _trashed(self, group: GroupView, report: TrashReport) -> None:
        if report.moved:
            # The library forgets them: their folders are rescanned and the missing files dropped.
            self.session.indexer.request(paths=report.moved)
        if self._closed:
            return
        group.remove_paths(set(report.moved))
        group.set_busy(False)
        if len(group.cards) < 2:
            self.groups.remove(group)
            group.deleteLater()
        self._update_summary()
        moved = len(report.moved)
        text = f"Moved {moved} photo{'s' if moved != 1 else ''} to the trash." if moved else ""
        if report.failed:
            whys = "; ".join(why for _path, why in report.failed)
            text = (text + " " if text else "") + f"Not moved: {whys}."
            box = QMessageBox(QMessageBox.Icon.Warning, "Move to Trash", "", QMessageBox.StandardButton.Ok, self)
            box.setObjectName("trashFailed")
            failed = len(report.failed)
            box.setText(f"{failed} photo{'s' if failed != 1 else ''} could not be moved to the trash.")
            box.setInformativeText("\n".join(f"• {why}" for _path, why in report.failed))
            box.open()
        self._show_message(text)
        self.trashFinished.emit(report)

    # -- the rest -----------------------------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        if not self._closed:
            self.message.setText(text)

    def _on_thumbs(self, keys: list[tuple[str, int]]) -> None:
        wanted = {k[0] for k in keys if k[1] == THUMB}
        for group in self.groups:
            for card in group.cards:
                if card.path in wanted:
                    card.show_thumbnail()

    def stop(self, timeout_ms: int = 15000) -> None:
        """Before the library closes: wait for a search or a move in progress (neither can be stopped midway)."""
        self._closed = True
        self.loader.stop()
        self.lane.wait(timeout_ms)


def open_duplicates(session: Session, parent: QWidget, existing: DuplicatesView | None) -> DuplicatesView:
    """Show the duplicates window (the one already open, if any) and look for duplicates."""
    view = existing if existing is not None and not existing._closed else DuplicatesView(session, parent)
    view.show()
    view.raise_()
    view.activateWindow()
    if not view.running:
        view.look()
    return view
