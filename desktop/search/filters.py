"""What a search may return: a capture-date range, folders, file kinds. Shared by the command line and the app.

Dates compare against the catalog's ``captured`` column (EXIF capture time, else the file's time, both local
``YYYY-MM-DDTHH:MM:SS``). A bound may be ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a full ISO time, and both
bounds are inclusive of the whole period they name: ``--after 2021-03 --before 2021-03`` is all of March.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from desktop.catalog.derived import KINDS
from desktop.errors import UsageError

_ALIASES = {"jpg": "jpeg", "jpe": "jpeg", "tif": "tiff", "heif": "heic", "hif": "heic"}
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True)
class Filters:
    #: ``captured >= after`` (inclusive start of the named period).
    after: str | None = None
    #: ``captured < before`` (exclusive: the start of the period after the one named).
    before: str | None = None
    folders: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.after or self.before or self.folders or self.kinds)

    def to_json(self) -> dict[str, object]:
        return {"after": self.after, "before": self.before, "folders": list(self.folders), "kinds": list(self.kinds)}

    def sql(self) -> tuple[str, list[object]]:
        """A WHERE fragment over ``images`` (no leading AND; ``1`` when nothing is filtered) and its parameters."""
        parts: list[str] = []
        params: list[object] = []
        if self.after:
            parts.append("captured >= ?")
            params.append(self.after)
        if self.before:
            parts.append("captured < ?")
            params.append(self.before)
        if self.folders:
            # A range over the path index: every path that starts with "folder/" sorts between
            # "folder/" and "folder" + the character after the separator.
            ors = []
            for folder in self.folders:
                prefix = folder if folder.endswith(os.sep) else folder + os.sep  # "/" stays "/"
                ors.append("(path >= ? AND path < ?)")
                params += [prefix, prefix[:-1] + chr(ord(os.sep) + 1)]
            parts.append("(" + " OR ".join(ors) + ")")
        if self.kinds:
            parts.append(f"kind IN ({','.join('?' * len(self.kinds))})")
            params += list(self.kinds)
        return (" AND ".join(parts) or "1"), params

    @classmethod
    def parse(
        cls,
        after: str | None = None,
        before: str | None = None,
        folders: Iterable[str] = (),
        kinds: Iterable[str] | str | None = None,
    ) -> Filters:
        """From what a user typed; raises UsageError with the rule when something does not parse."""
        lo = period(after, "--after")[0] if after else None
        hi = period(before, "--before")[1] if before else None
        if lo and hi and lo >= hi:
            raise UsageError(f"--after {after} is later than --before {before}: nothing can match")
        return cls(lo, hi, tuple(_folder(f) for f in folders), parse_kinds(kinds))


def period(text: str, flag: str = "date") -> tuple[str, str]:
    """``[start, end)`` of the period ``text`` names, as ISO times: a year, a month, a day, or one instant."""
    t = text.strip()
    try:
        if _YEAR.match(t):
            start = dt.datetime(int(t), 1, 1)
            end = dt.datetime(start.year + 1, 1, 1)
        elif _MONTH.match(t):
            start = dt.datetime(int(t[:4]), int(t[5:7]), 1)
            end = dt.datetime(start.year + start.month // 12, start.month % 12 + 1, 1)
        elif len(t) == 10:
            start = dt.datetime.combine(dt.date.fromisoformat(t), dt.time())
            end = start + dt.timedelta(days=1)
        else:
            start = dt.datetime.fromisoformat(t).replace(tzinfo=None, microsecond=0)
            end = start + dt.timedelta(seconds=1)
    except ValueError:
        raise UsageError(
            f"{flag}: cannot read {text!r} as a date",
            hint="use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], e.g. --after 2021-06 --before 2021-08-15",
        ) from None
    return start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")


def parse_kinds(kinds: Iterable[str] | str | None) -> tuple[str, ...]:
    """``"jpeg,png"`` or ``["jpg", "heic"]`` -> sorted canonical kinds; unknown ones are a UsageError."""
    if not kinds:
        return ()
    items = kinds.split(",") if isinstance(kinds, str) else [x for k in kinds for x in k.split(",")]
    out: set[str] = set()
    for raw in items:
        name = raw.strip().lower().lstrip(".")
        if not name:
            continue
        name = _ALIASES.get(name, name)
        if name not in KINDS:
            raise UsageError(f"--kind: unknown kind {raw!r}", hint=f"kinds: {', '.join(sorted(KINDS))}")
        out.add(name)
    return tuple(sorted(out))


def _folder(text: str) -> str:
    # Roots are stored resolved, and every path under them starts with the root's text.
    return str(Path(text).expanduser().resolve()).rstrip(os.sep) or os.sep
