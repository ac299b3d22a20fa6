"""The loupe: one result at a time over the whole window, fitted or at 100 %, with what is known about it.

Space or a double-click in the grid opens it on that photo; Space or Escape goes back to the grid, where
the selection has followed. Left and Right (or the ‹ › buttons) step through the results; Home and End
go to the first and the last. Z or 1 (or a click on the photo) toggles fit and 100 %; zoomed in, drag,
scroll or use Up/Down (Shift: sideways) to pan. I shows or hides the info panel.

The picture comes in steps, none of them on the window's thread: the grid's thumbnail at once, then the
photo decoded to fit the view (:class:`~desktop.gui.photo_loader.PhotoLoader`, which reads big JPEGs
at a reduced scale), and every pixel only when zoomed in. The neighbours' fitted pictures are decoded
ahead, so stepping through shows each one sharp at once.

The loupe lies over the window's central area (the status bar stays visible for messages); it follows the
result list when a search re-runs under it, staying on the same photo while it is still in the list.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QImage, QKeyEvent, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gui import files
from desktop.gui.loupe_canvas import LoupeCanvas
from desktop.gui.photo_info import PhotoInfo
from desktop.gui.photo_loader import FULL, Photo, PhotoLoader
from desktop.gui.results import ResultsModel
from desktop.gui.widgets import ElidedLabel, heading
from desktop.search.engine import FoundHit

LOADING_FULL = "Loading full resolution…"
#: Keys the loupe takes even where the window has a shortcut for them (Escape clears the search there).
_OWN_KEYS = frozenset(
    {
        Qt.Key.Key_Escape, Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
        Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Z, Qt.Key.Key_1, Qt.Key.Key_I, Qt.Key.Key_Plus,
        Qt.Key.Key_Equal, Qt.Key.Key_Minus,
    }
)  # fmt: skip
PAN_STEP = 0.15  # of the view, per arrow key press


class Loupe(QWidget):
    rowChanged = Signal(int)  # the photo on screen is now this row of the results
    closed = Signal(int)  # back to the grid, on this row
    useAsReference = Signal(str)
    moreLikeThis = Signal(str)
    failed = Signal(str)  # why an action did not happen, for the status bar

    def __init__(
        self, model: ResultsModel, thumbnail: Callable[[str], QPixmap | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loupe")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self._model = model
        self._thumbnail = thumbnail
        self._covered: QWidget | None = None
        self.row = -1
        self.path: str | None = None
        self._shown: QSize | None = None
        self.loader = PhotoLoader(self)
        self.loader.loaded.connect(self._on_loaded)
        self.canvas = LoupeCanvas()
        self.canvas.zoomChanged.connect(self._on_zoom)
        self._refit = QTimer(self, singleShot=True, interval=120)  # a resize settles, then one decode
        self._refit.timeout.connect(self._load)
        self.canvas.boxChanged.connect(self._refit.start)
        self.info = PhotoInfo()
        self._build()
        self._build_actions()
        model.modelReset.connect(self._on_reset)
        model.rowsInserted.connect(lambda *_: self._show_counter())
        model.rowsRemoved.connect(lambda *_: self._on_reset())
        QApplication.instance().focusChanged.connect(self._on_focus)  # type: ignore[union-attr]
        self.hide()

    # -- construction --------------------------------------------------------------------------------

    def _tool(self, text: str, tip: str, slot: Callable[[], object] | None = None) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the loupe
        button.setAutoRaise(True)
        if slot is not None:
            button.clicked.connect(slot)
        return button

    def _build(self) -> None:
        self.back = self._tool("‹  Results", "Back to the results (Esc or Space)", self.close_loupe)
        self.back.setObjectName("loupeBack")
        self.previous = self._tool("◀", "Previous photo (Left)", self.show_previous)
        self.next = self._tool("▶", "Next photo (Right)", self.show_next)
        self.counter = heading("", scale=1.0)
        self.counter.setObjectName("loupeCounter")
        self.name = ElidedLabel()
        self.name.setObjectName("loupeName")
        self.fit = self._tool("Fit", "Show the whole photo (Z or 1 toggles)", lambda: self.canvas.set_zoomed(False))
        self.actual = self._tool("100 %", "One photo pixel per screen pixel (Z or 1 toggles)", self.zoom_in)
        zoom = QButtonGroup(self)
        for button in (self.fit, self.actual):
            button.setCheckable(True)
            zoom.addButton(button)
        self.fit.setChecked(True)
        self.reference = self._tool("Use as Reference", "Search for photos like this with the words (Ctrl+R)")
        self.reference.clicked.connect(self.use_as_reference)
        self.similar = self._tool("More Like This", "Photos like this one, without the words (Ctrl+M)")
        self.similar.clicked.connect(self.more_like_this)
        self.open_button = self._tool("Open", "Open in the default application (Return)", self.open_photo)
        self.reveal_button = self._tool("Show in Folder", "Show in the file manager (Ctrl+Shift+O)", self.reveal_photo)
        self.info_button = self._tool("Info", "Show or hide the info panel (I)")
        self.info_button.setCheckable(True)
        self.info_button.setChecked(True)
        self.info_button.toggled.connect(self.info.setVisible)

        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 6)
        bar.setSpacing(4)
        for w in (self.back, self.previous, self.counter, self.next):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.name, 1)
        bar.addSpacing(12)
        for w in (self.fit, self.actual):
            bar.addWidget(w)
        bar.addSpacing(12)
        self._actions_bar = bar
        for w in (self.reference, self.similar, self.open_button, self.reveal_button, self.info_button):
            bar.addWidget(w)
        self.top = QWidget()
        self.top.setObjectName("loupeBar")
        self.top.setLayout(bar)
        self.top.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.canvas, 1)
        body.addWidget(self.info)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.top)
        column.addLayout(body, 1)

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        for name, keys, slot in (
            ("reference", ["Ctrl+R"], self.use_as_reference),
            ("similar", ["Ctrl+M"], self.more_like_this),
            ("open", ["Return", "Enter", "Ctrl+O"], self.open_photo),
            ("reveal", ["Ctrl+Shift+O"], self.reveal_photo),
        ):
            self.add_shortcut(name, keys, slot)

    def add_shortcut(self, name: str, keys: list[str], slot: Callable[[], object]) -> QAction:
        """A key that works while the loupe is open (another module's action for the photo on screen)."""
        action = QAction(name, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def add_tool(self, button: QToolButton, before: QToolButton | None = None) -> None:
        """Another module's button in the bar (Open With), before ``before`` or at the end."""
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoRaise(True)
        at = self._actions_bar.indexOf(before) if before is not None else -1
        if at >= 0:
            self._actions_bar.insertWidget(at, button)
        else:
            self._actions_bar.addWidget(button)

    # -- opening and closing -------------------------------------------------------------------------

    def cover(self, widget: QWidget) -> None:
        """Lie over ``widget`` (the window's central area), following its size."""
        if self._covered is not None:
            self._covered.removeEventFilter(self)
        self._covered = widget
        widget.installEventFilter(self)
        self._place()

    def _place(self) -> None:
        area = self._covered
        parent = self.parentWidget()
        if area is None or parent is None:
            return
        self.setGeometry(QRect(area.mapTo(parent, QPoint(0, 0)), area.size()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._covered and event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            self._place()
        return False

    @property
    def is_open(self) -> bool:
        return self.isVisible()

    def open_at(self, row: int) -> None:
        if self._model.hit(row) is None:
            return
        self._place()
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.show_row(row)

    def close_loupe(self) -> None:
        if not self.isVisible():
            return
        self.hide()
        self.loader.forget()
        self.closed.emit(self.row)

    # -- which photo ---------------------------------------------------------------------------------

    def hit(self) -> FoundHit | None:
        return self._model.hit(self.row)

    def show_row(self, row: int) -> None:
        hit = self._model.hit(row)
        if hit is None:
            return
        changed = row != self.row
        self.row, self.path = row, hit.path
        self.name.setText(os.path.basename(hit.path))
        self.name.setToolTip(hit.path)
        self._show_counter()
        self.info.show_hit(hit, weaker=self._model.weaker(row))
        facts = getattr(hit, "facts", None)
        size = QSize(facts.width or 0, facts.height or 0) if facts is not None else QSize()
        thumb = self._thumbnail(hit.path)
        self._shown = None  # the box of the decoded picture on screen; None: the thumbnail (or nothing)
        self.canvas.set_photo(size, thumb.toImage() if thumb is not None and not thumb.isNull() else None, "")
        if thumb is None:
            self.canvas.set_message("Loading…")
        self._load()
        if changed:
            self.rowChanged.emit(row)

    def _show_counter(self) -> None:
        total = self._model.rowCount()
        self.counter.setText(f"{self.row + 1:,} of {total:,}" if self.row >= 0 else "")
        self.previous.setEnabled(self.row > 0)
        self.next.setEnabled(self.row + 1 < total)

    def show_next(self) -> None:
        if self.row + 1 < self._model.rowCount():
            self.show_row(self.row + 1)

    def show_previous(self) -> None:
        if self.row > 0:
            self.show_row(self.row - 1)

    def _on_reset(self) -> None:
        """The result list changed under the loupe: stay on the same photo if it is still there."""
        if not self.isVisible() or self.path is None:
            return
        row = self._model.row_of(self.path)
        if row is None:
            if self._model.rowCount() == 0:
                self.close_loupe()
                return
            row = min(self.row, self._model.rowCount() - 1)
            self.row = -1  # a different photo now
        if row == self.row:
            self._show_counter()
            return
        self.row = -1
        self.show_row(row)

    # -- pictures ------------------------------------------------------------------------------------

    def _load(self) -> None:
        """Ask for the picture the view needs now, the photo on screen first, then its neighbours."""
        path = self.path
        if path is None or not self.isVisible():
            return
        box = self.canvas.fit_box()
        if self.canvas.zoomed:
            full = self.loader.request(path, FULL)
            if full is not None:
                self._show_picture(full, FULL)
            else:
                self.canvas.set_note(LOADING_FULL)
            return
        for row in (self.row - 1, self.row + 1):  # ahead, below the photo on screen (newest is served first)
            neighbour = self._model.hit(row)
            if neighbour is not None:
                self.loader.request(neighbour.path, box)
        # Fitted, a picture of the view's size paints fastest (every pixel, scaled down, on each paint, is not).
        photo = self.loader.request(path, box)
        if photo is not None:
            self._show_picture(photo, box)
        elif (full := self.loader.cached(path, FULL)) is not None and self._shown is None:
            self._show_picture(full, FULL)  # meanwhile

    def _show_picture(self, photo: Photo, box: QSize) -> None:
        if self.canvas.zoomed and self._shown == FULL and box != FULL:
            return  # at 100 %, never trade every pixel for fewer
        self._shown = box
        self.canvas.set_image(photo.image, QSize(photo.width, photo.height))
        self.info.set_dimensions(photo.width, photo.height)
        if photo.full or not self.canvas.zoomed:
            self.canvas.set_note("")

    def _on_loaded(self, path: str, box: QSize, outcome: object) -> None:
        if path != self.path or not self.isVisible():
            return
        if isinstance(outcome, Photo):
            thumbnail_only = self._shown is None
            if self.canvas.zoomed:  # every pixel is wanted; a fitted picture is better than the thumbnail
                wanted = box == FULL or self._shown != FULL
            else:  # the picture for this view; a late one of another size only replaces the thumbnail
                wanted = box == self.canvas.fit_box() or thumbnail_only
            if wanted:
                self._show_picture(outcome, box)
        elif isinstance(outcome, str):
            self.canvas.set_note("")
            name = os.path.basename(path)
            if self.canvas.image is None:
                self.canvas.set_message(f"Cannot show {name}: {outcome}")
            self.failed.emit(f"Cannot show {name}: {outcome}")

    def _on_zoom(self, zoomed: bool) -> None:
        (self.actual if zoomed else self.fit).setChecked(True)
        self._load()

    def zoom_in(self) -> None:
        self.canvas.set_zoomed(True)

    # -- actions -------------------------------------------------------------------------------------

    def use_as_reference(self) -> None:
        if self.path is not None:
            path = self.path
            self.close_loupe()  # the results change: back to the grid to see them
            self.useAsReference.emit(path)

    def more_like_this(self) -> None:
        if self.path is not None:
            path = self.path
            self.close_loupe()
            self.moreLikeThis.emit(path)

    def open_photo(self) -> None:
        if self.path is not None and not files.open_file(self.path):
            self.failed.emit(f"Could not open {os.path.basename(self.path)}: no application opened it")

    def reveal_photo(self) -> None:
        if self.path is not None and not files.reveal(self.path):
            self.failed.emit(f"Could not show {os.path.basename(self.path)} in its folder")

    # -- keys and focus ------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            plain = event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier)
            if event.key() in _OWN_KEYS and plain == Qt.KeyboardModifier.NoModifier:
                event.accept()  # delivered as a key press here, not to the window's shortcut
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        step_x, step_y = self.canvas.width() * PAN_STEP, self.canvas.height() * PAN_STEP
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Space):
            self.close_loupe()
        elif key == Qt.Key.Key_Right:
            self.show_next()
        elif key == Qt.Key.Key_Left:
            self.show_previous()
        elif key == Qt.Key.Key_Home:
            self.show_row(0)
        elif key == Qt.Key.Key_End:
            self.show_row(self._model.rowCount() - 1)
        elif key in (Qt.Key.Key_Z, Qt.Key.Key_1):
            self.canvas.toggle_zoom()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.canvas.set_zoomed(True)
        elif key == Qt.Key.Key_Minus:
            self.canvas.set_zoomed(False)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            sign = 1 if key == Qt.Key.Key_Up else -1
            self.canvas.pan(sign * step_x, 0) if shift else self.canvas.pan(0, sign * step_y)
        elif key == Qt.Key.Key_I:
            self.info_button.toggle()
        else:
            super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        return False  # Tab stays in the loupe (its buttons take no focus)

    def _on_focus(self, old: QWidget | None, new: QWidget | None) -> None:
        """Focus went to a widget under the loupe (Ctrl+F to the search field): make way for it."""
        if not self.isVisible() or new is None or new is self or self.isAncestorOf(new):
            return
        if new.window() is self.window():
            self.close_loupe()

    def stop(self) -> None:
        self.loader.stop()

    def current_image(self) -> QImage | None:
        return self.canvas.image
