"""What the app's filter bar has chosen, in the user's terms: a date pick, folders, kinds.

:class:`~desktop.search.filters.Filters` holds resolved bounds; a choice keeps what was picked ("This year",
"2015 to 2018"), so that its chips say it the way it was picked, and a relative pick stored in the settings
still means this year next year. :meth:`FilterChoice.filters` resolves it for the engine.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace

from desktop.errors import UsageError
from desktop.search.filters import Filters, parse_kinds

THIS_YEAR, LAST_YEAR, LAST_12_MONTHS, RANGE = "this-year", "last-year", "last-12-months", "range"
QUICK_LABELS = {THIS_YEAR: "This year", LAST_YEAR: "Last year", LAST_12_MONTHS: "Last 12 months"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class DatePick:
    """A quick pick (``kind``), or a range from ``after`` to ``before`` as typed (YYYY, YYYY-MM or YYYY-MM-DD;
    both inclusive, either may be None)."""

    kind: str = RANGE
    after: str | None = None
    before: str | None = None

    def bounds(self, today: dt.date | None = None) -> tuple[str | None, str | None]:
        """``(after, before)`` in the terms :meth:`Filters.parse` reads."""
        today = today or dt.date.today()
        if self.kind == THIS_YEAR:
            return str(today.year), str(today.year)
        if self.kind == LAST_YEAR:
            return str(today.year - 1), str(today.year - 1)
        if self.kind == LAST_12_MONTHS:
            month = today.year * 12 + today.month - 1 - 11  # this month and the eleven before it
            return f"{month // 12:04d}-{month % 12 + 1:02d}", None
        return self.after, self.before

    def label(self) -> str:
        if self.kind in QUICK_LABELS:
            return QUICK_LABELS[self.kind]
        a, b = (_spoken(t) if t else None for t in (self.after, self.before))
        if a and b:
            return a if a == b else f"{a} – {b}"
        if a:
            return f"Since {a}"
        return f"Until {b}" if b else "Any date"

    @classmethod
    def year(cls, year: int) -> DatePick:
        return cls(RANGE, str(year), str(year))


@dataclass(frozen=True)
class FilterChoice:
    date: DatePick | None = None
    folders: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.date or self.folders or self.kinds)

    def filters(self, today: dt.date | None = None) -> Filters:
        """For the engine; raises UsageError (with the rule) for a date that does not parse."""
        after, before = self.date.bounds(today) if self.date else (None, None)
        return Filters.parse(after, before, self.folders, self.kinds)

    def with_date(self, date: DatePick | None) -> FilterChoice:
        return replace(self, date=date)

    def with_folders(self, folders: tuple[str, ...]) -> FilterChoice:
        return replace(self, folders=tuple(dict.fromkeys(folders)))

    def with_kinds(self, kinds: tuple[str, ...]) -> FilterChoice:
        return replace(self, kinds=tuple(sorted(set(kinds))))

    @classmethod
    def from_filters(cls, filters: Filters) -> FilterChoice:
        """A choice that resolves to ``filters`` (a date range spelt in days), for filters set elsewhere (a turn
        of the refine trail brought back)."""
        date = None
        if filters.after or filters.before:
            before = None
            if filters.before:  # exclusive in Filters, inclusive in a pick: the day before
                before = (dt.date.fromisoformat(filters.before[:10]) - dt.timedelta(days=1)).isoformat()
            date = DatePick(RANGE, filters.after[:10] if filters.after else None, before)
        return cls(date, filters.folders, filters.kinds)

    def to_json(self) -> dict[str, object]:
        date = (
            None
            if self.date is None
            else {"kind": self.date.kind, "after": self.date.after, "before": self.date.before}
        )
        return {"date": date, "folders": list(self.folders), "kinds": list(self.kinds)}

    @classmethod
    def from_json(cls, data: object) -> FilterChoice:
        """From :meth:`to_json`; what cannot be read (an old or damaged setting) is left out."""
        if not isinstance(data, dict):
            return cls()
        date = None
        d = data.get("date")
        if isinstance(d, dict) and d.get("kind") in (THIS_YEAR, LAST_YEAR, LAST_12_MONTHS, RANGE):
            date = DatePick(str(d["kind"]), _text(d.get("after")), _text(d.get("before")))
        folders = tuple(str(f) for f in data.get("folders") or () if isinstance(f, str) and f)
        kinds = tuple(str(k) for k in data.get("kinds") or () if isinstance(k, str) and k)
        try:
            cls(date).filters()
        except UsageError:
            date = None
        try:
            kinds = parse_kinds(kinds)
        except UsageError:
            kinds = ()
        return cls(date, folders, kinds)


def folder_label(path: str) -> str:
    return os.path.basename(path.rstrip("/\\")) or path


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, str) and value.strip() else None


def _spoken(text: str) -> str:
    """``2023`` / ``Jun 2023`` / ``14 Jun 2023`` for YYYY / YYYY-MM / YYYY-MM-DD; other text as it is."""
    t = text.strip()
    parts = t.split("-")
    if len(parts) in (2, 3) and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        month = f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
        return f"{int(parts[2])} {month}" if len(parts) == 3 else month
    return t
