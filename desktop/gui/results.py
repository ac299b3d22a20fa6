"""The list of search hits as a Qt item model.

The rows are one page of the results at first; when the grid nears the end and there are more (browsing a
large library, or a search with more matches than a page), ``canFetchMore`` says so and ``fetchMore`` asks
for the next page through ``moreWanted``; the window answers with :meth:`ResultsModel.append_hits`. The
model also says where the grid's sections start (:meth:`ResultsModel.sections`): a header per month of
capture when browsing, and in a search the "Weaker matches" divider where the engine's cut says the matches
end.

Only rows the view paints ask for their picture (``DecorationRole``), and they get a placeholder until the
:class:`~desktop.gui.thumbnails.ThumbnailLoader` has it, so ten thousand hits cost ten thousand small
records and no more pictures than fit on the screen. Dragging rows out gives file URLs, which file
managers, other apps and the reference well all understand.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QPixmap

from desktop.gui.grid_layout import Section, month_key, month_sections
from desktop.gui.thumbnails import ThumbnailLoader, placeholder
from desktop.search.engine import FoundHit

HitRole = Qt.ItemDataRole.UserRole + 1
PathRole = Qt.ItemDataRole.UserRole + 2
#: The largest thumbnail asked for a cell, in cell sizes (for panoramas, whose centre crop is then soft).
MAX_FILL = 3

AnyIndex = QModelIndex | QPersistentModelIndex

WEAKER_TITLE = "Weaker matches"
WEAKER_DETAIL = "past where the matches end: less like what you asked for"
NO_MATCH_DETAIL = "nothing matched closely; these are the nearest"


def _taken(hit: object) -> str | None:
    facts = getattr(hit, "facts", None)
    return getattr(facts, "taken", None)


def _key(hit: object) -> object:
    """What makes a hit the same photo across pages (its image id, else its path)."""
    return getattr(hit, "image_id", None) or getattr(hit, "path", None)


class ResultsModel(QAbstractListModel):
    moreWanted = Signal(int)  # the row the next page starts at

    def __init__(self, loader: ThumbnailLoader, size: int = 160, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._hits: list[FoundHit] = []
        self._matches: int | None = None  # rows before the "weaker matches" divider; None: no divider
        self._by_date = False  # month headers (browsing)
        self._months: list[Section] = []
        self._last_month: str | None = None
        self._total = 0  # rows the whole list has (more than are loaded while paging)
        self._fetching = False
        self._seen: set[object] = set()
        self._rows: dict[str, list[int]] = {}
        self._size = size
        self._scale = 1.0  # device pixels per logical pixel: thumbnails are made sharp for the screen
        self._placeholder = placeholder(size)
        self._broken = placeholder(size, broken=True)
        loader.arrived.connect(self._on_arrived)

    # -- content ------------------------------------------------------------------------------------

    def set_hits(
        self,
        hits: Sequence[FoundHit],
        matches: int | None = None,
        *,
        by_date: bool = False,
        total: int | None = None,
    ) -> None:
        """Show ``hits``; for a search, ``matches`` says how many of them are matches (the rest are weaker).

        ``by_date``: the hits are newest first (browsing), shown under month headers. ``total``: how many rows
        the whole list has, when ``hits`` is its first page (more are fetched as the grid scrolls).
        """
        self.beginResetModel()
        self._loader.forget()
        self._hits = list(hits)
        self._matches = matches
        self._by_date = by_date
        self._total = max(len(self._hits), total or 0)
        self._fetching = False
        self._rows = {}
        self._seen = set()
        self._months, self._last_month = [], None
        self._index(0)
        self.endResetModel()

    def append_hits(self, hits: Sequence[FoundHit]) -> None:
        """The next page came: add the hits not shown yet (a photo indexed meanwhile can shift a page)."""
        self._fetching = False
        fresh = [h for h in hits if _key(h) not in self._seen]
        if not fresh:
            self._total = len(self._hits)  # nothing new: the list ends here
            return
        start = len(self._hits)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self._hits.extend(fresh)
        self._total = max(self._total, len(self._hits))
        self._index(start)
        self.endInsertRows()

    def fetch_failed(self) -> None:
        """The next page could not be read: stop asking (a new query starts over)."""
        self._fetching = False
        self._total = len(self._hits)

    def _index(self, start: int) -> None:
        new = self._hits[start:]
        for row, hit in enumerate(new, start):
            self._rows.setdefault(hit.path, []).append(row)
            self._seen.add(_key(hit))
        if self._by_date:
            keys = [month_key(_taken(h)) for h in new]
            self._months += month_sections(keys, start, self._last_month)
            if keys:
                self._last_month = keys[-1]

    def sections(self) -> list[Section]:
        """Where the grid's sections start: months when browsing; in a search, the divider at the cut."""
        n = len(self._hits)
        if self._by_date:
            return list(self._months)
        m = self._matches
        if m is None or m >= n:
            return [Section(0)]
        divider = Section(m, WEAKER_TITLE, "divider", WEAKER_DETAIL if m else NO_MATCH_DETAIL)
        return [Section(0), divider] if m > 0 else [divider]

    @property
    def total(self) -> int:
        """How many rows the whole list has (the loaded ones and those a fetch can still bring)."""
        return self._total

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and not self._fetching and len(self._hits) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if self.canFetchMore(parent):
            self._fetching = True
            self.moreWanted.emit(len(self._hits))

    def clear(self) -> None:
        self.set_hits([])

    def hit(self, row: int) -> FoundHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def cell(self, row: int) -> tuple[str, QPixmap] | None:
        """The caption and picture of a row, for the delegate (without a round trip through Qt)."""
        hit = self.hit(row)
        return (os.path.basename(hit.path), self._picture(hit)) if hit is not None else None

    def hits(self) -> list[FoundHit]:
        return list(self._hits)

    def row_of(self, path: str) -> int | None:
        """The first row showing ``path``, if any."""
        rows = self._rows.get(path)
        return rows[0] if rows else None

    @property
    def matches(self) -> int | None:
        """How many rows are matches (the engine's cut); None when browsing."""
        return self._matches

    def weaker(self, row: int) -> bool:
        """Whether ``row`` comes after where the matches end."""
        return self._matches is not None and row >= self._matches

    @property
    def thumbnail_size(self) -> int:
        return self._size

    def set_thumbnail_size(self, size: int, *, force: bool = False) -> None:
        if size == self._size and not force:
            return
        self._size = size
        self._placeholder = placeholder(size)
        self._broken = placeholder(size, broken=True)
        if self._hits:
            self.dataChanged.emit(self.index(0), self.index(len(self._hits) - 1), [Qt.ItemDataRole.DecorationRole])

    def set_pixel_ratio(self, ratio: float) -> None:
        ratio = max(1.0, ratio)
        if ratio != self._scale:
            self._scale = ratio
            self.set_thumbnail_size(self._size, force=True)

    @property
    def _load_size(self) -> int:
        return round(self._size * self._scale)

    def fill_size(self, hit: FoundHit) -> int:
        """The thumbnail size whose short side covers the square cell: the delegate crops its centre.

        A thumbnail fits in its size (the long side), so a 3:2 photo's is asked for 1.5 times larger; very
        wide panoramas stop at ``MAX_FILL`` times (their crop is a little soft). Rounded up to 16 pixels, so
        that photos of nearly the same shape share one cache folder.
        """
        base = self._load_size
        facts = getattr(hit, "facts", None)  # a plain search Hit has no facts: its shape is not known
        width, height = (facts.width, facts.height) if facts is not None else (None, None)
        if not width or not height:
            return base
        aspect = max(width, height) / min(width, height)
        if aspect < 1.02:
            return base
        return min(MAX_FILL * base, -(-round(base * aspect) // 16) * 16)

    # -- QAbstractListModel -------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(hit.path)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._picture(hit)
        if role == Qt.ItemDataRole.ToolTipRole:
            reason = self._loader.error(hit.path, self.fill_size(hit))
            extra = f"<br><i>{html.escape(reason)}</i>" if reason else ""
            score = f"<br>score {hit.score:.3f}" if hit.score is not None else ""
            taken = f"<br>{html.escape(hit.facts.taken.replace('T', ' '))}" if hit.facts.taken else ""
            return f"{html.escape(hit.path)}{score}{taken}{extra}"
        if role == HitRole:
            return hit
        if role == PathRole:
            return hit.path
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        paths = [h.path for h in (self.hit(i.row()) for i in indexes) if h is not None]
        mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
        mime.setText("\n".join(paths))
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    # -- thumbnails ---------------------------------------------------------------------------------

    def _picture(self, hit: FoundHit) -> QPixmap:
        size = self.fill_size(hit)
        pm = self._loader.pixmap(hit.path, size)
        if pm is not None:
            return pm
        if self._loader.error(hit.path, size):
            return self._broken
        # Until it comes (after a change of thumbnail size, say), the picture of another size, scaled.
        return self._loader.any_pixmap(hit.path) or self._placeholder

    def _on_arrived(self, keys: list[tuple[str, int]]) -> None:
        """Thumbnails (or their errors) came: one change over the rows they span, so one repaint."""
        hits = self._hits
        rows = [row for path, s in keys for row in self._rows.get(path, ()) if s == self.fill_size(hits[row])]
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), [Qt.ItemDataRole.DecorationRole])


def local_paths(mime: QMimeData) -> list[Path]:
    """Local files named by a drag or paste (file URLs, or plain text holding absolute paths)."""
    found: list[Path] = []
    if mime.hasUrls():
        found = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    elif mime.hasText():
        for line in mime.text().splitlines():
            line = line.strip()
            if line.startswith("file://"):
                line = QUrl(line).toLocalFile()
            if line and os.path.isabs(line):
                found.append(Path(line))
    return found
