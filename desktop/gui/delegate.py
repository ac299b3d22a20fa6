"""How one result cell is painted: the thumbnail fitted into a square box, the file name elided below.

Every cell has the same size whatever the photo's shape or resolution, so the grid stays regular and a
cell never grows over its caption.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

AnyIndex = QModelIndex | QPersistentModelIndex

PAD = 6
TEXT_GAP = 4


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = size

    def cell_size(self, option_font_height: int) -> QSize:
        return QSize(self.box + 2 * PAD, self.box + 2 * PAD + TEXT_GAP + option_font_height)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return self.cell_size(option.fontMetrics.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        rect: QRect = option.rect
        pal: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cell = rect.adjusted(2, 2, -2, -2)
        if selected or hovered:
            colour = QColor(pal.color(QPalette.ColorRole.Highlight))
            colour.setAlpha(200 if selected else 50)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(cell, 6, 6)
        box = QRect(rect.x() + (rect.width() - self.box) // 2, rect.y() + PAD, self.box, self.box)
        pm = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pm, QPixmap) and not pm.isNull():
            # Thumbnails arrive sized for the box in device pixels, so this is normally a plain copy.
            ratio = pm.devicePixelRatio()
            if ratio == 1.0 and option.widget is not None:
                ratio = option.widget.devicePixelRatioF()
            w, h = pm.width() / ratio, pm.height() / ratio
            scale = min(box.width() / w, box.height() / h)
            if abs(scale - 1.0) > 0.01:  # only while a new thumbnail size is on its way
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            tw, th = round(w * scale), round(h * scale)
            target = QRect(box.x() + (box.width() - tw) // 2, box.y() + (box.height() - th) // 2, tw, th)
            painter.drawPixmap(target, pm)
        text_rect = QRect(cell.x() + PAD, box.bottom() + TEXT_GAP, cell.width() - 2 * PAD, option.fontMetrics.height())
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        elided = option.fontMetrics.elidedText(text, Qt.TextElideMode.ElideMiddle, text_rect.width())
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(pal.color(role))
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter), elided)
        if option.state & QStyle.StateFlag.State_HasFocus and not selected:
            focus = QColor(pal.color(QPalette.ColorRole.Highlight))
            painter.setPen(focus)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(cell, 6, 6)
        painter.restore()
