"""The window's search history: the refine trail, recent searches, and the last search kept for the next start.

When a turn is recorded: a search's results arrive and the query is *settled*, that is

* it was committed: Enter in the field, a recent search chosen, the last search restored at start, a turn
  of the trail gone back to; or its reference differs from the turn on screen (a photo dropped, pasted,
  chosen, *Use as Reference*, *More Like This*, or the reference removed with the text kept); or
* its results stayed on screen for :data:`SETTLE_MS` (1.5 s) with no other query after them.

Typing therefore records what the user paused on, not every keystroke. A query that reads as the same terms
with the same reference as the turn on screen is not a new turn (its filters are kept on it); an empty query
(browsing) and a field that does not parse are never turns. A new turn after going back drops the turns
ahead (browser semantics). Each settled text goes first in the recent searches (20 distinct texts, stored
in the library's settings). At close the query on screen is stored, and the next start searches it again.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPointF, QRectF, QStringListModel, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QCompleter, QLineEdit, QStyle, QToolTip, QWidget

from desktop.gui.search_bar import SearchBar
from desktop.gui.session import Query, Session
from desktop.gui.thumbnails import ThumbnailLoader
from desktop.gui.trail import TrailBar
from desktop.search.engine import Found
from desktop.search.history import (
    SETTING_LAST_SEARCH,
    SETTING_RECENT,
    RecentSearches,
    Trail,
    Turn,
    last_search_setting,
)

SETTLE_MS = 1500


def turn_of(query: Query) -> Turn:
    return Turn(query.text, query.image, query.filters)


class SearchHistory(QObject):
    def __init__(self, session: Session, search_bar: SearchBar, loader: ThumbnailLoader, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.search_bar = search_bar
        self.trail = Trail()
        self.recent = RecentSearches.from_setting(session.setting(SETTING_RECENT))
        self._stored_last = session.setting(SETTING_LAST_SEARCH)  # kept at close if nothing was shown
        self._shown: Query | None = None  # the query whose results are on screen
        self._commit: str | None = None  # the text of a query committed before its results came
        self._pending: Turn | None = None  # shown, waiting to settle
        self._off_trail = False  # the results on screen are not the trail's current turn (typing, browsing)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._settled)

        style = parent.style()
        self.back_action = QAction(style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "&Back", parent)
        self.back_action.setShortcut(QKeySequence("Alt+Left"))
        self.back_action.setToolTip("Back to the previous turn of the trail (Alt+Left)")
        self.back_action.triggered.connect(self.back)
        self.forward_action = QAction(style.standardIcon(QStyle.StandardPixmap.SP_ArrowForward), "&Forward", parent)
        self.forward_action.setShortcut(QKeySequence("Alt+Right"))
        self.forward_action.setToolTip("Forward to the next turn of the trail (Alt+Right)")
        self.forward_action.triggered.connect(self.forward)
        for action in (self.back_action, self.forward_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.bar = TrailBar(loader, self.back_action, self.forward_action)
        self.bar.turnChosen.connect(self.go)
        self.bar.clearRequested.connect(self.clear_trail)

        field = search_bar.field
        self.recent_action = QAction(clock_icon(field.palette()), "&Recent Searches", parent)
        self.recent_action.setShortcut(QKeySequence("Alt+Down"))
        self.recent_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.recent_action.setToolTip("Recent searches (Alt+Down)")
        self.recent_action.triggered.connect(self.show_recent)
        field.addAction(self.recent_action, QLineEdit.ActionPosition.LeadingPosition)
        self.completer = QCompleter(QStringListModel(self), self)
        self.completer.setWidget(field)  # not setCompleter: the list opens when asked, not while typing
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(12)
        popup = self.completer.popup()
        if popup is not None:
            popup.setObjectName("recentSearches")
            popup.setStyleSheet("QListView#recentSearches::item { padding: 3px 6px; }")
        self.completer.activated.connect(self._on_activated)

        field.returnPressed.connect(self._on_enter)
        session.searchDone.connect(self._on_results)
        session.searchFailed.connect(lambda _q, _e: self._drop_pending())
        session.queryRestored.connect(self._on_restored)
        session.closing_settings[SETTING_LAST_SEARCH] = self._last_search_value
        session.closing_settings[SETTING_RECENT] = lambda: self.recent.to_setting()
        self._refresh()

    # -- the trail ----------------------------------------------------------------------------------

    def go(self, index: int) -> None:
        """Back (or forward) to turn ``index``: its text, reference and filters, searched again."""
        turn = self.trail.go(index)
        if turn is not None:
            self._restore(turn)

    def back(self) -> None:
        """The turn before; from results that are no turn (browsing, a query not settled yet), the current one."""
        turn = self.trail.current if self._off_trail else self.trail.back()
        if turn is not None:
            self._restore(turn)

    def forward(self) -> None:
        turn = self.trail.forward()
        if turn is not None:
            self._restore(turn)

    def clear_trail(self) -> None:
        self.trail.clear()
        self._refresh()

    def _restore(self, turn: Turn) -> None:
        self._drop_pending()
        self._off_trail = False
        self._commit = turn.text
        self.session.filters = turn.filters  # the next search runs with them (a filter bar shows the query's)
        self.search_bar.set_query(turn.text, turn.image)
        self._refresh()

    def _refresh(self) -> None:
        self.bar.set_trail(self.trail.turns, self.trail.cursor)
        self._mark()

    def _mark(self) -> None:
        """Check the chip of the turn on screen (none while the screen shows something else); Back and Forward."""
        self.bar.mark(-1 if self._off_trail else self.trail.cursor)
        self.back_action.setEnabled(self.trail.can_back or (self._off_trail and self.trail.current is not None))
        self.forward_action.setEnabled(self.trail.can_forward)

    # -- when a turn is recorded --------------------------------------------------------------------

    def _on_enter(self) -> None:
        self._commit = self.search_bar.text

    def _on_restored(self, text: str, image: object) -> None:
        self._commit = text
        self.search_bar.show_query(text, image if isinstance(image, str) else None)

    def _on_results(self, query: Query, _result: Found) -> None:
        self._shown = query
        turn = turn_of(query)
        current = self.trail.current
        off = current is None or current.key != turn.key
        if off != self._off_trail:
            self._off_trail = off
            self._mark()
        if query.empty:
            self._drop_pending()
            return
        committed = self._commit is not None and self._commit == query.text
        new_reference = turn.image != (current.image if current is not None else None)
        same = current is not None and current.key == turn.key
        if committed or new_reference or same:
            self._commit = None
            self._drop_pending()
            self._record(turn)
            return
        if self._pending is None or self._pending.key != turn.key:
            self._settle.start()  # a re-run of the same query (the library changed) does not start it again
        self._pending = turn

    def _settled(self) -> None:
        pending, latest, shown = self._pending, self.session.latest_query, self._shown
        self._pending = None
        if pending is None or latest is None or shown is None or self.session.closed:
            return
        if turn_of(latest).key == pending.key and turn_of(shown).key == pending.key:
            self._record(turn_of(shown))

    def _drop_pending(self) -> None:
        self._settle.stop()
        self._pending = None

    def _record(self, turn: Turn) -> None:
        self.trail.record(turn)
        self._off_trail = False
        if turn.text and self.recent.add(turn.text) and self.session.library is not None:  # (None: closed)
            self.session.set_setting(SETTING_RECENT, self.recent.to_setting())
        self._refresh()

    @property
    def settling(self) -> bool:
        """Whether results on screen are waiting to become a turn."""
        return self._pending is not None

    # -- recent searches ----------------------------------------------------------------------------

    def show_recent(self) -> None:
        """Open the list of recent searches under the field (Alt+Down, or the clock in the field)."""
        field = self.search_bar.field
        model = self.completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(self.recent.texts)
        if not self.recent.texts:
            QToolTip.showText(field.mapToGlobal(field.rect().bottomLeft()), "No recent searches yet", field)
            return
        field.setFocus()
        self.completer.setCompletionPrefix("")
        self.completer.complete()
        popup = self.completer.popup()
        if popup is not None:  # the newest first, ready for Enter
            popup.setCurrentIndex(self.completer.completionModel().index(0, 0))

    def _on_activated(self, chosen: object) -> None:
        text = chosen.data() if isinstance(chosen, QModelIndex) else chosen  # either overload of activated
        if isinstance(text, str):
            self.choose_recent(text)

    def choose_recent(self, text: str) -> None:
        """Search ``text`` (with the reference in the well, if any)."""
        self._commit = text.strip()
        self.search_bar.set_query(text, self.search_bar.reference)
        self.search_bar.field.setFocus()
        self.search_bar.field.deselect()

    # -- the last search ----------------------------------------------------------------------------

    def _last_search_value(self) -> str | None:
        shown = self._shown
        if shown is None:
            return self._stored_last
        return last_search_setting(shown.text, shown.image)


def clock_icon(palette: QPalette, size: int = 16) -> QIcon:
    """A small clock, drawn in the field's placeholder colour (there is no standard "history" icon)."""
    ratio = 2.0
    pm = QPixmap(int(size * ratio), int(size * ratio))
    pm.setDevicePixelRatio(ratio)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(palette.color(QPalette.ColorRole.PlaceholderText), 1.4)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    c = size / 2
    r = size / 2 - 2
    p.drawEllipse(QRectF(c - r, c - r, 2 * r, 2 * r))
    p.drawLine(QPointF(c, c), QPointF(c, c - r + 2.5))
    p.drawLine(QPointF(c, c), QPointF(c + r - 3, c + 1))
    p.end()
    return QIcon(pm)
