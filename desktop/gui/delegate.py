"""How one result cell is painted: the thumbnail's centre filling a square box, the file name elided below.

Every cell has the same size whatever the photo's shape or resolution, so the grid stays regular and a
cell never grows over its caption.

A painted cell is kept as a pixmap and repainted with one call. That matters while indexing: with the
indexer's threads running Python, the window's thread must win the GIL back each time Qt calls into
Python and whenever PySide lets go of it around a Qt call, up to a switch interval each time. Drawing a
cell the long way takes about thirty Qt calls; a grid of them took 15-60 ms to repaint beside one busy
Python thread, against 3 ms alone. From the cache it is a handful of calls per cell (2-15 ms). The grid
(:mod:`desktop.gui.grid`) goes further and paints all its visible cells in one call into Python.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

AnyIndex = QModelIndex | QPersistentModelIndex

PAD = 6
TEXT_GAP = 4
#: Painted cells kept: a few screens' worth at any thumbnail size.
KEEP_CELLS = 600

_SELECTED = QStyle.StateFlag.State_Selected
_HOVER = QStyle.StateFlag.State_MouseOver
_FOCUS = QStyle.StateFlag.State_HasFocus


class CellSource(Protocol):
    """What the delegate reads for a row, without going through Qt: its caption and its picture."""

    def cell(self, row: int) -> tuple[str, QPixmap] | None: ...


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, size: int, source: CellSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._box = size
        self._source = source
        self._cells: OrderedDict[tuple[object, ...], QPixmap] = OrderedDict()
        self.ratio = 1.0  # device pixels per point of the view's screen; the view keeps it current

    @property
    def box(self) -> int:
        return self._box

    @box.setter
    def box(self, size: int) -> None:
        self._box = size
        self.invalidate()

    def invalidate(self) -> None:
        """Forget painted cells (the palette, the font or the thumbnail size changed)."""
        self._cells.clear()

    def cell_size(self, option_font_height: int) -> QSize:
        return QSize(self._box + 2 * PAD, self._box + 2 * PAD + TEXT_GAP + option_font_height)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return self.cell_size(option.fontMetrics.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Qt's way in, one call per cell (drag pictures); the grid itself paints through :meth:`paint_row`."""
        state = option.state
        look = (bool(state & _SELECTED), bool(state & _HOVER), bool(state & _FOCUS))
        self.paint_row(painter, option, option.rect, index.row(), look)

    def paint_row(
        self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect, row: int, look: tuple[bool, bool, bool]
    ) -> None:
        """Paint a row's cell into ``rect``; ``look`` is (selected, hovered, focused); ``option`` gives the
        palette and the font."""
        found = self._source.cell(row)
        if found is None:
            return
        name, picture = found
        w, h, ratio = rect.width(), rect.height(), self.ratio
        group = option.palette.currentColorGroup()
        key = (name, picture.cacheKey(), w, h, ratio, group, look)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._render(option, name, picture, w, h, ratio, *look)
            self._cells[key] = cell
            while len(self._cells) > KEEP_CELLS:
                self._cells.popitem(last=False)
        else:
            self._cells.move_to_end(key)
        painter.drawPixmap(rect.x(), rect.y(), cell)

    def _render(
        self,
        option: QStyleOptionViewItem,
        name: str,
        pm: QPixmap,
        w: int,
        h: int,
        ratio: float,
        selected: bool,
        hovered: bool,
        focused: bool,
    ) -> QPixmap:
        cell_pm = QPixmap(round(w * ratio), round(h * ratio))
        cell_pm.setDevicePixelRatio(ratio)
        cell_pm.fill(Qt.GlobalColor.transparent)
        pal: QPalette = option.palette
        metrics: QFontMetrics = option.fontMetrics
        painter = QPainter(cell_pm)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setFont(option.font)
            cell = QRect(2, 2, w - 4, h - 4)
            if selected or hovered:
                colour = QColor(pal.color(QPalette.ColorRole.Highlight))
                colour.setAlpha(200 if selected else 50)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawRoundedRect(cell, 6, 6)
            box = QRect((w - self._box) // 2, PAD, self._box, self._box)
            if not pm.isNull():
                # The centre square of the picture fills the box: no letterboxing, every cell the same
                # (the loupe shows the whole photo). Thumbnails arrive with their short side sized for the
                # box in device pixels (ResultsModel.fill_size), so this is normally a plain copy.
                pm_ratio = pm.devicePixelRatio()
                if pm_ratio == 1.0:
                    pm_ratio = ratio
                side = min(pm.width(), pm.height())
                source = QRect((pm.width() - side) // 2, (pm.height() - side) // 2, side, side)
                if abs(side / pm_ratio - box.width()) > 0.01 * box.width():  # a new size on its way, a tiny photo
                    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawPixmap(box, pm, source)
            text_rect = QRect(cell.x() + PAD, box.bottom() + TEXT_GAP, cell.width() - 2 * PAD, metrics.height())
            elided = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, text_rect.width())
            role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            painter.setPen(pal.color(role))
            painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter), elided)
            if focused and not selected:
                painter.setPen(QColor(pal.color(QPalette.ColorRole.Highlight)))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(cell, 6, 6)
        finally:
            painter.end()
        return cell_pm
