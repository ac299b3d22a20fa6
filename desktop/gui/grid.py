"""The results grid: thumbnails under month headers when browsing, with a "Weaker matches" divider after the
engine's cut in a search, and per-photo actions.

Actions (context menu and keys while the grid has focus): Return opens, Space (or a double-click) views
it in the loupe, Ctrl+R uses the photo as the reference, Ctrl+M finds more like it, Ctrl+Shift+O shows it
in the file manager; Copy Images, Export… and Open With come from :mod:`desktop.gui.selection_actions`.
Photos drag out as file URLs. Hovering a cell of a search shows its score.

Layout, painting and selection are :class:`~desktop.gui.section_grid.SectionGrid`'s; the sections come from
the model (:meth:`~desktop.gui.results.ResultsModel.sections`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QMenu, QWidget

from desktop.gui import files
from desktop.gui.delegate import ThumbnailDelegate
from desktop.gui.results import ResultsModel
from desktop.gui.section_grid import SectionGrid
from desktop.search.engine import FoundHit


@dataclass(frozen=True)
class Place:
    """Where the user was in the grid: kept when the same query runs again (the library changed)."""

    scroll: int
    current: str | None
    selected: tuple[str, ...]


class ResultsView(SectionGrid):
    useAsReference = Signal(str)
    moreLikeThis = Signal(str)
    previewRequested = Signal(int)  # row

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("results")
        self._model = model
        self._delegate = ThumbnailDelegate(model.thumbnail_size, model, self)
        self.setItemDelegate(self._delegate)
        self.setModel(model)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.doubleClicked.connect(lambda idx: self.previewRequested.emit(idx.row()))
        self.set_thumbnail_size(model.thumbnail_size)
        self.actions_by_name: dict[str, QAction] = {}
        for name, text, keys, slot in (
            ("open", "Open", [QKeySequence(Qt.Key.Key_Return), QKeySequence("Ctrl+O")], self.open_current),
            ("preview", "View", [QKeySequence(Qt.Key.Key_Space)], self.preview_current),
            ("reveal", "Show in Folder", [QKeySequence("Ctrl+Shift+O")], self.reveal_current),
            ("reference", "Use as Reference", [QKeySequence("Ctrl+R")], self.reference_current),
            ("similar", "More Like This", [QKeySequence("Ctrl+M")], self.similar_current),
        ):
            action = QAction(text, self)
            action.setShortcuts(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.actions_by_name[name] = action
        #: The context menu, by action name (None: a separator); other modules add their actions here.
        self.menu_entries: list[str | None] = ["open", "preview", "reveal", None, "reference", "similar"]

    def set_thumbnail_size(self, size: int) -> None:
        self._model.set_thumbnail_size(size)
        self._delegate.box = size
        self.setIconSize(QSize(size, size))
        self.relayout()

    def badge_text(self, row: int) -> str | None:
        hit = self._model.hit(row)
        score = getattr(hit, "score", None)
        return f"score {score:.3f}" if score is not None else None

    def resizeEvent(self, event: QResizeEvent) -> None:
        ratio = self.devicePixelRatioF()  # follows the window between screens
        self._model.set_pixel_ratio(ratio)
        self._delegate.ratio = ratio
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._delegate.invalidate()  # painted cells have the old colours or font
        super().changeEvent(event)

    def current_hit(self) -> FoundHit | None:
        idx = self.currentIndex()
        if not idx.isValid():
            sel = self.selectedIndexes()
            idx = sel[0] if sel else QModelIndex()
        return self._model.hit(idx.row()) if idx.isValid() else None

    def place(self) -> Place:
        current = self.currentIndex()
        hit = self._model.hit(current.row()) if current.isValid() else None
        rows = sorted({i.row() for i in self.selectionModel().selectedIndexes()})
        selected = tuple(h.path for h in (self._model.hit(r) for r in rows) if h is not None)
        return Place(self.verticalOffset(), hit.path if hit else None, selected)

    def restore_place(self, place: Place) -> None:
        """The same scroll position, current photo and selection, where those photos are still listed."""
        model, selection = self._model, self.selectionModel()
        chosen = QItemSelection()
        for row in sorted(r for r in (model.row_of(p) for p in place.selected) if r is not None):
            chosen.select(model.index(row), model.index(row))
        selection.select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        found = model.row_of(place.current) if place.current else None
        row = -1 if found is None else found
        if row >= 0:
            selection.setCurrentIndex(model.index(row), QItemSelectionModel.SelectionFlag.NoUpdate)
        self.verticalScrollBar().setValue(place.scroll)

    def select_row(self, row: int) -> None:
        idx = self._model.index(row)
        self.setCurrentIndex(idx)
        self.scrollTo(idx)

    # -- actions ------------------------------------------------------------------------------------

    def open_current(self) -> None:
        if hit := self.current_hit():
            files.open_file(hit.path)

    def preview_current(self) -> None:
        idx = self.currentIndex()
        if idx.isValid():
            self.previewRequested.emit(idx.row())

    def reveal_current(self) -> None:
        if hit := self.current_hit():
            files.reveal(hit.path)

    def selected_hits(self) -> list[FoundHit]:
        """The selected results in grid order (the current one when none is selected)."""
        rows = sorted({i.row() for i in self.selectedIndexes()}) or [self.currentIndex().row()]
        return [h for h in (self._model.hit(r) for r in rows) if h is not None]

    def reference_current(self) -> None:
        if hit := self.current_hit():
            self.useAsReference.emit(hit.path)

    def similar_current(self) -> None:
        if hit := self.current_hit():
            self.moreLikeThis.emit(hit.path)

    def _menu(self, pos: QPoint) -> None:
        idx = self.indexAt(pos)
        if not idx.isValid():
            return
        if not self.selectionModel().isSelected(idx):
            self.setCurrentIndex(idx)
        menu = QMenu(self)
        for name in self.menu_entries:
            if name is None:
                menu.addSeparator()
            elif (action := self.actions_by_name.get(name)) is not None:
                menu.addAction(action)
        menu.popup(self.viewport().mapToGlobal(pos))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The item view takes Return ("activate") and Space ("select") itself before shortcuts see them.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.open_current()
            return
        if event.key() == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.preview_current()
            return
        super().keyPressEvent(event)
