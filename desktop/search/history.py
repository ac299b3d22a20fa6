"""What a user searched: the refine trail of one window, recent search texts, the last search on screen.

No Qt here; the app's widgets (``desktop.gui.trail``, ``desktop.gui.history``) show and drive these.

* A :class:`Turn` is one settled query: the field's text, a reference photo, and the filters in force. Two
  queries are the same turn when the field reads as the same terms (case and spacing aside) with the same
  reference; filters alone do not make a new turn (the turn keeps the latest ones).
* The :class:`Trail` behaves like a browser's history: going back moves a cursor, and a new turn after going
  back drops the turns ahead of the cursor before it is added.
* :class:`RecentSearches` keeps the last distinct texts, newest first, stored as a JSON list in a library
  setting; :func:`last_search` reads back the query stored at close (its reference only while the file exists).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field

from desktop.errors import UsageError
from desktop.search.field import parse_field
from desktop.search.filters import Filters

SETTING_RECENT = "gui.recent_searches"
SETTING_LAST_SEARCH = "gui.last_search"
RECENT_LIMIT = 20
TRAIL_LIMIT = 50
LABEL_CHARS = 32


@dataclass(frozen=True)
class Turn:
    text: str
    image: str | None = None
    filters: Filters = field(default_factory=Filters)

    @property
    def key(self) -> tuple[object, ...]:
        """What makes two turns the same: the terms the field reads as (case and spacing aside) and the
        reference. A field that does not parse compares as its text."""
        try:
            terms: object = tuple((t.text.lower(), t.weight, t.negative) for t in parse_field(self.text).terms)
        except UsageError:
            terms = " ".join(self.text.lower().split())
        return (terms, self.image)

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.image

    def label(self, limit: int = LABEL_CHARS) -> str:
        """A short text for a chip: the field's text (shortened), or "Similar" for a reference alone."""
        text = " ".join(self.text.split())
        if not text:
            return "Similar" if self.image else "All photos"
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def describe(self) -> str:
        """The whole query in words, one part a line (a chip's tooltip)."""
        lines: list[str] = []
        if self.image:
            lines.append(f"Reference: {self.image}")
        if self.text:
            lines.append(f"{'Change' if self.image else 'Text'}: {self.text}")
        f = self.filters
        if f.after or f.before:
            lines.append(f"Dates: {_day(f.after) or '…'} to {_day(f.before, end=True) or '…'}")
        if f.folders:
            lines.append("Folders: " + ", ".join(f.folders))
        if f.kinds:
            lines.append("Kinds: " + ", ".join(f.kinds))
        return "\n".join(lines) or "All photos"


def _day(bound: str | None, *, end: bool = False) -> str | None:
    """A filter bound as a day; ``before`` is exclusive, so the day shown for it is the one before."""
    if not bound:
        return None
    if not end:
        return bound[:10]
    try:
        return (dt.datetime.fromisoformat(bound) - dt.timedelta(seconds=1)).date().isoformat()
    except ValueError:
        return bound[:10]


class Trail:
    """Turns in order and a cursor on the one on screen (-1 when empty)."""

    def __init__(self, limit: int = TRAIL_LIMIT) -> None:
        self.turns: list[Turn] = []
        self.cursor = -1
        self.limit = limit

    def __len__(self) -> int:
        return len(self.turns)

    @property
    def current(self) -> Turn | None:
        return self.turns[self.cursor] if 0 <= self.cursor < len(self.turns) else None

    def record(self, turn: Turn) -> bool:
        """Add ``turn`` after the cursor, dropping what was ahead of it. Returns False (and only refreshes
        the current turn's filters) when it is the same turn as the one on screen; empty turns are never added.
        """
        if turn.empty:
            return False
        current = self.current
        if current is not None and current.key == turn.key:
            self.turns[self.cursor] = turn  # the same query: keep the text as typed and the latest filters
            return False
        del self.turns[self.cursor + 1 :]
        self.turns.append(turn)
        if len(self.turns) > self.limit:
            del self.turns[: len(self.turns) - self.limit]
        self.cursor = len(self.turns) - 1
        return True

    def go(self, index: int) -> Turn | None:
        if not 0 <= index < len(self.turns):
            return None
        self.cursor = index
        return self.turns[index]

    def back(self) -> Turn | None:
        return self.go(self.cursor - 1) if self.can_back else None

    def forward(self) -> Turn | None:
        return self.go(self.cursor + 1) if self.can_forward else None

    @property
    def can_back(self) -> bool:
        return self.cursor > 0

    @property
    def can_forward(self) -> bool:
        return 0 <= self.cursor < len(self.turns) - 1

    def clear(self) -> None:
        self.turns.clear()
        self.cursor = -1


class RecentSearches:
    """The last distinct search texts, newest first (case and spacing aside)."""

    def __init__(self, texts: list[str] | None = None, limit: int = RECENT_LIMIT) -> None:
        self.limit = limit
        self.texts: list[str] = []
        for text in reversed(texts or []):
            self.add(text)

    def add(self, text: str) -> bool:
        """Put ``text`` first; returns whether the list changed."""
        text = " ".join(text.split())
        if not text:
            return False
        if self.texts and self.texts[0] == text:
            return False
        folded = text.casefold()
        others = [t for t in self.texts if t.casefold() != folded]
        self.texts = [text, *others[: self.limit - 1]]
        return True

    def to_setting(self) -> str:
        return json.dumps(self.texts, ensure_ascii=False)

    @classmethod
    def from_setting(cls, value: str | None, limit: int = RECENT_LIMIT) -> RecentSearches:
        """From the stored JSON list; anything unreadable is an empty list (it is only a convenience)."""
        try:
            texts = json.loads(value) if value else []
        except ValueError:
            texts = []
        if not isinstance(texts, list):
            texts = []
        return cls([t for t in texts if isinstance(t, str)][:limit], limit)


def last_search_setting(text: str, image: str | None) -> str | None:
    """What to store for the query on screen at close (None: nothing to restore, the library is shown)."""
    text = text.strip()
    if not text and not image:
        return None
    return json.dumps({"text": text, "image": image}, ensure_ascii=False)


def last_search(value: str | None) -> tuple[str, str | None] | None:
    """The stored last search as (text, reference); a reference that no longer exists is left out, and with
    no text left there is nothing to restore."""
    try:
        stored = json.loads(value) if value else None
    except ValueError:
        return None
    if not isinstance(stored, dict):
        return None
    raw_text, raw_image = stored.get("text"), stored.get("image")
    text = raw_text.strip() if isinstance(raw_text, str) else ""
    image = raw_image if isinstance(raw_image, str) and raw_image else None
    if image and not os.path.isfile(image):
        image = None
    return (text, image) if text or image else None
