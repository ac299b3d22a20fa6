"""The results grid: a virtualised icon view of thumbnails, with per-photo actions.

Actions (context menu and keys while the grid has focus): Return opens, Space (or a double-click) views
it in the loupe, Ctrl+R uses the photo as the reference, Ctrl+M finds more like it, Ctrl+Shift+O shows it
in the file manager; Copy Images, Export… and Open With come from :mod:`desktop.gui.selection_actions`.
Photos drag out as file URLs.

The grid paints its visible cells itself, in one call into Python. QListView's own paint calls the model's
``flags()`` and ``rowCount()`` and the delegate's ``paint()`` for every cell, about five calls from C++
into Python per cell, and while the indexer's threads run Python each call must win the GIL back first:
a repaint of 16 cells took 35-100 ms that way beside indexing, against a few ms alone. Here the cells on
screen are found by bisection over ``visualRect`` (rows are laid out in order, rows not yet laid out
have no rectangle) and each is drawn from the delegate's cache with the state QListView would give it:
selected, current with focus, under the pointer. The rubber band of a drag
selection is drawn as QListView draws it. ``fast_paint = False`` falls back to QListView's paint; a test
checks the two paint the same pixels.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCursor,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QMenu,
    QRubberBand,
    QStyle,
    QStyleOptionRubberBand,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.gui import files
from desktop.gui.delegate import ThumbnailDelegate
from desktop.gui.results import ResultsModel
from desktop.search.engine import FoundHit


def first_true(count: int, pred: Callable[[int], bool]) -> int:
    """The first of ``0..count-1`` for which ``pred`` holds (``count`` if none); ``pred`` must be
    false up to some point and true from there on."""
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


class ResultsView(QListView):
    useAsReference = Signal(str)
    moreLikeThis = Signal(str)
    previewRequested = Signal(int)  # row

    #: Paint the visible cells in one call (see the module doc); False leaves it to QListView.
    fast_paint = True

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
        self.setMouseTracking(True)  # so the cell under the pointer is marked with every style
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.doubleClicked.connect(lambda idx: self.previewRequested.emit(idx.row()))
        self._band_from = QPoint()  # where a drag selection started, in content coordinates
        self._band_to = QPoint()
        self._delegate = ThumbnailDelegate(model.thumbnail_size, model, self)
        self.setItemDelegate(self._delegate)
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

    # -- painting ------------------------------------------------------------------------------------

    def visible_rows(self, area: QRect) -> range:
        """The rows whose cells may meet ``area`` (viewport coordinates): a contiguous run, found by
        bisection because rows are laid out in order."""
        model = self._model
        count = model.rowCount()

        def rect(row: int) -> QRect:
            return self.visualRect(model.index(row))

        top, bottom = area.top(), area.bottom()
        # A row not laid out yet (batched layout) has no rectangle and counts as below everything.
        first = first_true(count, lambda r: not (cell := rect(r)).isValid() or cell.bottom() >= top)
        end = first_true(count, lambda r: not (cell := rect(r)).isValid() or cell.top() > bottom)
        return range(first, max(first, end))

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.fast_paint:
            super().paintEvent(event)
            return
        area = event.rect()
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        if self.isEnabled():  # as QListView: enabled items take the normal colours, active window or not
            palette = QPalette(option.palette)
            palette.setCurrentColorGroup(QPalette.ColorGroup.Normal)
            option.palette = palette
        model, selection, viewport = self._model, self.selectionModel(), self.viewport()
        current = self.currentIndex()
        focus_row = current.row() if current.isValid() and (self.hasFocus() or viewport.hasFocus()) else -1
        hover_row = -1  # the cell under the pointer (QListView's hover, kept current by mouse tracking)
        if viewport.underMouse() and self.isEnabled():
            hover_row = self.indexAt(viewport.mapFromGlobal(QCursor.pos())).row()
        painter = QPainter(viewport)
        try:
            for row in self.visible_rows(area):
                index = model.index(row)
                cell = self.visualRect(index)
                if not cell.isValid() or not cell.intersects(area):
                    continue
                look = (selection.isSelected(index), row == hover_row, row == focus_row)
                self._delegate.paint_row(painter, option, cell, row, look)
            if self.state() == QAbstractItemView.State.DragSelectingState:
                self._paint_band(painter)
        finally:
            painter.end()

    def _scrolled(self) -> QPoint:
        """How far the content is scrolled: viewport point + this = content point."""
        return QPoint(self.horizontalOffset(), self.verticalOffset())

    def _paint_band(self, painter: QPainter) -> None:
        offset = self._scrolled()
        band = QRect(self._band_from - offset, self._band_to - offset).normalized()
        option = QStyleOptionRubberBand()
        option.initFrom(self)
        option.shape = QRubberBand.Shape.Rectangle
        option.opaque = False
        option.rect = band.intersected(self.viewport().rect().adjusted(-16, -16, 16, 16))
        painter.save()
        self.style().drawControl(QStyle.ControlElement.CE_RubberBand, option, painter)
        painter.restore()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._band_from = self._band_to = event.position().toPoint() + self._scrolled()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._band_to = event.position().toPoint() + self._scrolled()
        super().mouseMoveEvent(event)

    def current_hit(self) -> FoundHit | None:
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
        # QListView takes Return ("activate") and Space ("select") itself before shortcuts see them.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.open_current()
            return
        if event.key() == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.preview_current()
            return
        super().keyPressEvent(event)
