"""The results grid: a virtualised icon view of thumbnails, with per-photo actions.

Actions (context menu and keys while the grid has focus): Return opens, Space previews, Ctrl+C copies the
path, Ctrl+R uses the photo as the reference, Ctrl+M finds more like it, Ctrl+Shift+O shows it in the
file manager. Photos drag out as file URLs.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from desktop.gui import files
from desktop.gui.delegate import ThumbnailDelegate
from desktop.gui.results import ResultsModel
from desktop.library import Hit


class ResultsView(QListView):
    useAsReference = Signal(str)
    moreLikeThis = Signal(str)
    previewRequested = Signal(int)  # row

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("results")
        self.setModel(model)
        self._model = model
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setWordWrap(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.doubleClicked.connect(lambda idx: self.previewRequested.emit(idx.row()))
        self._delegate = ThumbnailDelegate(model.thumbnail_size, model, self)
        self.setItemDelegate(self._delegate)
        self.set_thumbnail_size(model.thumbnail_size)
        self.actions_by_name: dict[str, QAction] = {}
        for name, text, keys, slot in (
            ("open", "Open", [QKeySequence(Qt.Key.Key_Return), QKeySequence("Ctrl+O")], self.open_current),
            ("preview", "Preview", [QKeySequence(Qt.Key.Key_Space)], self.preview_current),
            ("reveal", "Show in Folder", [QKeySequence("Ctrl+Shift+O")], self.reveal_current),
            ("copy", "Copy Path", [QKeySequence.StandardKey.Copy], self.copy_selected),
            ("reference", "Use as Reference", [QKeySequence("Ctrl+R")], self.reference_current),
            ("similar", "More Like This", [QKeySequence("Ctrl+M")], self.similar_current),
        ):
            action = QAction(text, self)
            action.setShortcuts(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.actions_by_name[name] = action

    def set_thumbnail_size(self, size: int) -> None:
        self._model.set_thumbnail_size(size)
        self._delegate.box = size
        self.setIconSize(QSize(size, size))
        self._fit_grid()

    def _fit_grid(self) -> None:
        """Share the spare width between the columns, so the grid has no ragged gap on the right."""
        cell = self._delegate.cell_size(self.fontMetrics().height())
        width = self.viewport().width() - 2
        columns = max(1, width // (cell.width() + 4))
        spare = max(0, width - columns * cell.width())
        self.setGridSize(QSize(cell.width() + spare // columns, cell.height() + 4))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        ratio = self.devicePixelRatioF()  # follows the window between screens
        self._model.set_pixel_ratio(ratio)
        self._delegate.ratio = ratio
        self._fit_grid()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._delegate.invalidate()  # painted cells have the old colours or font
        super().changeEvent(event)

    def current_hit(self) -> Hit | None:
        idx = self.currentIndex()
        if not idx.isValid():
            sel = self.selectedIndexes()
            idx = sel[0] if sel else QModelIndex()
        return self._model.hit(idx.row()) if idx.isValid() else None

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

    def copy_selected(self) -> None:
        rows = sorted({i.row() for i in self.selectedIndexes()}) or [self.currentIndex().row()]
        paths = [h.path for h in (self._model.hit(r) for r in rows) if h is not None]
        if paths:
            files.copy_paths(paths)

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
        for name in ("open", "preview", "reveal", "copy"):
            menu.addAction(self.actions_by_name[name])
        menu.addSeparator()
        for name in ("reference", "similar"):
            menu.addAction(self.actions_by_name[name])
        menu.popup(self.viewport().mapToGlobal(pos))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # QListView takes Return ("activate") and Space ("select") itself before shortcuts see them.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.open_current()
            return
        if event.key() == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.preview_current()
            return
        super().keyPressEvent(event)
