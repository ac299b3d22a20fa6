"""A grid item view with full-width section headers between its cells (months, the weaker-matches divider).

QListView's icon mode cannot put a row across the grid, so this view lays the cells out itself
(:class:`~desktop.gui.grid_layout.GridLayout`): the model stays a flat list of photos, one row per photo,
so selection, the keyboard and drags work on photos, and the model's ``sections()`` says where headers go.

It paints the visible cells in one call into Python. Qt's own item painting calls the model's ``flags()``
and the delegate's ``paint()`` for every cell, several calls from C++ into Python per cell, and while the
indexer's threads run Python each call must win the GIL back first: a repaint of 16 cells took 35-100 ms
that way beside indexing, against a few ms alone. Here each visible cell is drawn from the delegate's
cache with the state it would get from Qt (selected, current with focus, under the pointer), the headers
and the rubber band of a drag selection around them. ``fast_paint = False`` paints each cell through the
delegate's ``paint()`` instead; a test checks the two paint the same pixels.

Selection: a drag selects the rectangle it covers, Shift+click and Shift+arrows the run of photos between
the anchor and the new one (as photo apps do, rather than a rectangle). When the model can fetch more rows
(browsing pages in), the view asks for them once less than two screens are left below.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    QTimer,
)
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QRegion,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QRubberBand,
    QStyle,
    QStyleOptionRubberBand,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.gui.grid_layout import CELL_GAP, GridLayout, Metrics, Section

AnyIndex = QModelIndex | QPersistentModelIndex
Move = QAbstractItemView.CursorAction
Flag = QStyle.StateFlag
Command = QItemSelectionModel.SelectionFlag

#: Fetch more rows once less than this many screens of content are left below the viewport.
FETCH_SCREENS = 2.0
#: How much larger a month title is than the grid's font.
TITLE_SCALE = 1.25


class CellPainter(Protocol):
    """What the view needs of its delegate: the cell size, and painting a cell without a round trip."""

    def cell_size(self, option_font_height: int) -> object: ...

    def paint_row(
        self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect, row: int, look: tuple[bool, bool, bool]
    ) -> None: ...


class SectionGrid(QAbstractItemView):
    #: Paint the visible cells in one call (see the module doc); False paints each through the delegate.
    fast_paint = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = GridLayout(0, [], Metrics(1, 1, 1, 1, 1))
        self._band_from = QPoint()  # where a drag selection started, in content coordinates
        self._band_to = QPoint()
        self._hover = -1
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.setInterval(0)
        self._fetch_timer.timeout.connect(self._fetch_if_near_end)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setMouseTracking(True)  # so the cell under the pointer is marked with every style
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.verticalScrollBar().valueChanged.connect(lambda _: self._fetch_timer.start())

    # -- what subclasses provide ----------------------------------------------------------------------

    def cell_painter(self) -> CellPainter:
        delegate = self.itemDelegate()
        assert delegate is not None
        return delegate  # type: ignore[return-value]

    def sections(self) -> Sequence[Section]:
        model = self.model()
        get = getattr(model, "sections", None)
        return get() if get is not None else [Section(0)]

    def badge_text(self, row: int) -> str | None:
        """Text shown over the cell under the pointer (a score); None shows nothing."""
        return None

    # -- layout ---------------------------------------------------------------------------------------

    @property
    def placement(self) -> GridLayout:
        """Where each cell and header is (content coordinates)."""
        return self._grid

    def metrics(self) -> Metrics:
        fm = self.fontMetrics()
        cell = self.cell_painter().cell_size(fm.height())
        width, height = cell.width(), cell.height()  # type: ignore[attr-defined]
        title = QFontMetrics(self.title_font()).height()
        return Metrics(
            width=max(1, self.viewport().width()),
            cell_width=width + CELL_GAP,
            cell_height=height + CELL_GAP,
            header_height=title + 20,
            divider_height=fm.height() + 26,
        )

    def title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * TITLE_SCALE)
        return font

    def relayout(self) -> None:
        """Lay the rows out again (rows, sections, width, cell size or font changed)."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        self._grid = GridLayout(count, self.sections() if count else [], self.metrics())
        self.updateGeometries()
        self.viewport().update()

    def updateGeometries(self) -> None:
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setPageStep(max(1, page))
        bar.setSingleStep(max(8, self._grid.slot_height // 3))  # a wheel notch (3 steps) is about one line
        bar.setRange(0, max(0, self._grid.height - page))
        super().updateGeometries()
        self._fetch_timer.start()

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        self.relayout()

    def reset(self) -> None:
        super().reset()
        self.relayout()

    def rowsInserted(self, parent: AnyIndex, start: int, end: int) -> None:
        super().rowsInserted(parent, start, end)
        self.relayout()

    def rowsAboutToBeRemoved(self, parent: AnyIndex, start: int, end: int) -> None:
        super().rowsAboutToBeRemoved(parent, start, end)
        QTimer.singleShot(0, self.relayout)

    def doItemsLayout(self) -> None:
        self.relayout()
        super().doItemsLayout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Also called for the viewport's resizes (a scroll bar came or went).
        super().resizeEvent(event)
        if self._grid.metrics.width != self.viewport().width():
            self.relayout()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.relayout()

    # -- QAbstractItemView geometry -------------------------------------------------------------------

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def isIndexHidden(self, index: AnyIndex) -> bool:
        return False

    def visualRect(self, index: AnyIndex) -> QRect:
        if not index.isValid():
            return QRect()
        slot = self._grid.rect(index.row())
        if slot is None:
            return QRect()
        x, y, w, h = slot
        return QRect(x, y - self.verticalOffset(), w, h)

    def indexAt(self, point: QPoint) -> QModelIndex:
        row = self._grid.row_at(point.x(), point.y() + self.verticalOffset())
        model = self.model()
        return model.index(row, 0) if row >= 0 and model is not None else QModelIndex()

    def visible_rows(self, area: QRect) -> range:
        """The rows whose cells may meet ``area`` (viewport coordinates): a contiguous run."""
        offset = self.verticalOffset()
        return self._grid.rows_between(area.top() + offset, area.bottom() + offset)

    def scrollTo(
        self, index: AnyIndex, hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible
    ) -> None:
        if not index.isValid() or self._grid.rect(index.row()) is None:
            return
        row = index.row()
        _, y, _, h = self._grid.rect(row) or (0, 0, 0, 0)
        top = self._grid.line_top(row)  # with the section's header when the row is on its first line
        if top <= self._grid.metrics.top:
            top = 0
        bottom = y + h
        page = self.viewport().height()
        bar = self.verticalScrollBar()
        value = bar.value()
        Hint = QAbstractItemView.ScrollHint
        if hint == Hint.PositionAtTop:
            value = top
        elif hint == Hint.PositionAtBottom:
            value = bottom - page
        elif hint == Hint.PositionAtCenter:
            value = (top + bottom - page) // 2
        elif top < value or bottom - top > page:
            value = top
        elif bottom > value + page:
            value = bottom - page
        bar.setValue(value)

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        model = self.model()
        count = model.rowCount() if model is not None else 0
        if count == 0:
            return QModelIndex()
        current = self.currentIndex()
        if not current.isValid():
            return model.index(0, 0)
        row, grid = current.row(), self._grid
        if action in (Move.MoveLeft, Move.MovePrevious):
            row -= 1
        elif action in (Move.MoveRight, Move.MoveNext):
            row += 1
        elif action == Move.MoveUp:
            row = grid.up(row)
        elif action == Move.MoveDown:
            row = grid.down(row)
        elif action == Move.MoveHome:
            row = 0
        elif action == Move.MoveEnd:
            row = count - 1
        elif action in (Move.MovePageUp, Move.MovePageDown):
            step = grid.up if action == Move.MovePageUp else grid.down
            start_y = (grid.rect(row) or (0, 0, 0, 0))[1]
            page = max(1, self.viewport().height() - grid.slot_height)
            while True:
                nxt = step(row)
                y = (grid.rect(nxt) or (0, 0, 0, 0))[1]
                if nxt == row or abs(y - start_y) > page:
                    break
                row = nxt
        return model.index(max(0, min(count - 1, row)), 0)

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        model, selection = self.model(), self.selectionModel()
        if model is None or selection is None:
            return
        offset = self.verticalOffset()
        grid = self._grid
        ranges: list[tuple[int, int]] = []
        if self.state() != QAbstractItemView.State.DragSelectingState and command & Command.Current:
            # Shift+click or Shift+arrow: Qt passes the anchor's centre and the new point, unnormalised.
            a = grid.row_at(rect.left(), rect.top() + offset)
            b = grid.row_at(rect.right(), rect.bottom() + offset)
            if a >= 0 and b >= 0:
                ranges = [(min(a, b), max(a, b))]
        if not ranges:
            r = rect.normalized()
            ranges = grid.ranges_in(r.left(), r.top() + offset, r.right(), r.bottom() + offset)
        chosen = QItemSelection()
        for first, last in ranges:
            chosen.select(model.index(first, 0), model.index(last, 0))
        selection.select(chosen, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        region = QRegion()
        visible = self.visible_rows(self.viewport().rect())
        model = self.model()
        for i in range(selection.count()):
            span = selection.at(i)
            lo, hi = max(span.top(), visible.start), min(span.bottom(), visible.stop - 1)
            for row in range(lo, hi + 1):
                region += self.visualRect(model.index(row, 0))
        return region

    # -- paging ---------------------------------------------------------------------------------------

    def _fetch_if_near_end(self) -> None:
        model = self.model()
        if model is None or not model.canFetchMore(QModelIndex()):
            return
        bar = self.verticalScrollBar()
        if bar.maximum() - bar.value() < FETCH_SCREENS * max(1, self.viewport().height()):
            model.fetchMore(QModelIndex())

    # -- painting -------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        area = event.rect()
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        if self.isEnabled():  # enabled items take the normal colours, active window or not
            palette = QPalette(option.palette)
            palette.setCurrentColorGroup(QPalette.ColorGroup.Normal)
            option.palette = palette
        model, selection, viewport = self.model(), self.selectionModel(), self.viewport()
        current = self.currentIndex()
        focus_row = current.row() if current.isValid() and (self.hasFocus() or viewport.hasFocus()) else -1
        hover_row = self.hover_row()
        painter = QPainter(viewport)
        try:
            self._paint_headers(painter, area, option.palette)
            cells = self.cell_painter()
            for row in self.visible_rows(area):
                index = model.index(row, 0)
                cell = self.visualRect(index)
                if not cell.intersects(area):
                    continue
                look = (selection.isSelected(index), row == hover_row, row == focus_row)
                if self.fast_paint:
                    cells.paint_row(painter, option, cell, row, look)
                else:
                    self._paint_through_delegate(painter, option, cell, index, look)
            if hover_row >= 0 and (badge := self.badge_text(hover_row)):
                self._paint_badge(painter, self.visualRect(model.index(hover_row, 0)), badge, option.palette)
            if self.state() == QAbstractItemView.State.DragSelectingState:
                self._paint_band(painter)
        finally:
            painter.end()

    def hover_row(self) -> int:
        """The row under the pointer, -1 when none (kept current by mouse tracking)."""
        viewport = self.viewport()
        if not viewport.underMouse() or not self.isEnabled():
            return -1
        return self.indexAt(viewport.mapFromGlobal(QCursor.pos())).row()

    def _paint_through_delegate(
        self, painter: QPainter, option: QStyleOptionViewItem, cell: QRect, index: QModelIndex, look: tuple[bool, ...]
    ) -> None:
        one = QStyleOptionViewItem(option)
        one.rect = cell
        one.state = option.state & ~(Flag.State_Selected | Flag.State_MouseOver | Flag.State_HasFocus)
        for on, flag in zip(look, (Flag.State_Selected, Flag.State_MouseOver, Flag.State_HasFocus), strict=True):
            if on:
                one.state |= flag
        delegate = self.itemDelegate()
        assert delegate is not None
        delegate.paint(painter, one, index)

    def _paint_headers(self, painter: QPainter, area: QRect, palette: QPalette) -> None:
        grid, offset = self._grid, self.verticalOffset()
        if not grid.sections:
            return
        top = area.top() + offset
        i = max(0, bisect_right(grid.tops, top) - 1)
        while i < len(grid.sections) and grid.tops[i] <= area.bottom() + offset:
            section = grid.sections[i]
            x, y, w, h = grid.header_rect(i)
            if h:
                indent = self._indent()
                rect = QRect(x + indent, y - offset, w - 2 * indent, h)
                if section.kind == "divider":
                    self._paint_divider(painter, rect, section, palette)
                else:
                    self._paint_title(painter, rect, section, palette)
            i += 1

    def _indent(self) -> int:
        """Where the first column's thumbnail starts in its slot: headers line up with it."""
        box = getattr(self.cell_painter(), "box", None)
        return max(0, (self._grid.slot_width - box) // 2 - 8) if isinstance(box, int) else 0

    def _paint_title(self, painter: QPainter, rect: QRect, section: Section, palette: QPalette) -> None:
        painter.save()
        font = self.title_font()
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        text_rect = rect.adjusted(8, 6, -8, -4)
        align = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        painter.drawText(text_rect, align, section.title or "")
        if section.detail:
            used = QFontMetrics(font).horizontalAdvance((section.title or "") + "  ")
            painter.setFont(self.font())
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(text_rect.adjusted(used, 0, 0, -2), align, section.detail)
        painter.restore()

    def _paint_divider(self, painter: QPainter, rect: QRect, section: Section, palette: QPalette) -> None:
        painter.save()
        fm = self.fontMetrics()
        bold = QFont(self.font())
        bold.setBold(True)
        title = section.title or ""
        title_width = QFontMetrics(bold).horizontalAdvance(title)
        middle = rect.center().y()
        x = rect.left() + 8
        line = QColor(palette.color(QPalette.ColorRole.PlaceholderText))
        line.setAlpha(110)
        text_rect = QRect(x, middle - fm.height() // 2, rect.width(), fm.height())
        painter.setFont(bold)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        align = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(text_rect, align, title)
        x += title_width + 8
        if section.detail:
            painter.setFont(self.font())
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            detail = fm.elidedText(section.detail, Qt.TextElideMode.ElideRight, max(0, rect.right() - x - 48))
            painter.drawText(QRect(x, text_rect.y(), rect.width(), fm.height()), align, detail)
            x += fm.horizontalAdvance(detail) + 8
        painter.setPen(line)
        if x < rect.right() - 12:
            painter.drawLine(x, middle, rect.right() - 8, middle)
        painter.restore()

    def _paint_badge(self, painter: QPainter, cell: QRect, text: str, palette: QPalette) -> None:
        painter.save()
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        font.setBold(True)
        fm = QFontMetrics(font)
        w, h = fm.horizontalAdvance(text) + 10, fm.height() + 4
        box = getattr(self.cell_painter(), "box", cell.width())
        right = cell.left() + (cell.width() + box) // 2 - 4  # the thumbnail's right edge, inside
        badge = QRect(right - w, cell.top() + 10, w, h)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(badge, h / 2, h / 2)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()

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

    # -- mouse ----------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._band_from = self._band_to = event.position().toPoint() + self._scrolled()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._band_to = event.position().toPoint() + self._scrolled()
        if self.state() == QAbstractItemView.State.DragSelectingState:
            self.viewport().update()  # the band moved
        row = self.indexAt(event.position().toPoint()).row()
        if row != self._hover:  # the old cell loses its hover look (and badge), the new one gets it
            self._update_row(self._hover)
            self._update_row(row)
            self._hover = row
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        dragging = self.state() == QAbstractItemView.State.DragSelectingState
        super().mouseReleaseEvent(event)
        if dragging:
            self.viewport().update()  # the band goes

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._update_row(self._hover)
            self._hover = -1
        return super().viewportEvent(event)

    def _update_row(self, row: int) -> None:
        model = self.model()
        if row >= 0 and model is not None:
            self.viewport().update(self.visualRect(model.index(row, 0)))
