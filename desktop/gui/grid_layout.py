"""Where each cell and each section header of the results grid goes: arithmetic over sections, no widgets.

The grid is a run of sections. Each starts with an optional full-width header (a month when browsing, the
"Weaker matches" divider in a search) and lays its rows out left to right in lines of ``columns`` cells;
the next section starts on a new line. A row's rectangle is found by bisecting the sections' first rows and
dividing, and the rows in a band of the screen by bisecting the sections' tops, so laying out and finding
what is on screen cost the same for ten or a hundred thousand rows: O(sections), then O(log sections).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
UNDATED = "Date unknown"
#: Space between cells, shared by both sides (the delegate draws each cell 2 px inside its slot).
CELL_GAP = 4
#: Space above a header that follows a section's last line.
SECTION_GAP = 10


@dataclass(frozen=True)
class Section:
    """Rows ``start`` up to the next section's start, under a header (``title`` None: no header)."""

    start: int
    title: str | None = None
    kind: str = "plain"  # "month" | "divider" | "plain"
    detail: str = ""  # muted text after the title

    @property
    def has_header(self) -> bool:
        return self.title is not None


def month_key(taken: str | None) -> str:
    """``"2023-06"`` for a capture time ``"2023-06-14T09:30:00"``; ``""`` when the date is not known."""
    key = taken[:7] if taken else ""
    return key if len(key) == 7 and key[4] == "-" and key[:4].isdigit() and key[5:].isdigit() else ""


def month_title(key: str) -> str:
    """``"June 2023"`` for ``"2023-06"``; :data:`UNDATED` for ``""``."""
    if not key:
        return UNDATED
    month = int(key[5:7])
    return f"{MONTHS[month - 1]} {key[:4]}" if 1 <= month <= 12 else key[:4]


def month_sections(keys: Iterable[str], start: int = 0, last_key: str | None = None) -> list[Section]:
    """A section for each run of equal month keys (rows numbered from ``start``). ``last_key`` is the key of
    the row before ``start`` (rows appended to a list): a run that continues it starts no new section."""
    out: list[Section] = []
    previous = last_key
    for row, key in enumerate(keys, start):
        if key != previous:
            out.append(Section(row, month_title(key), "month"))
            previous = key
    return out


@dataclass(frozen=True)
class Metrics:
    """The sizes the grid is laid out with, in logical pixels."""

    width: int  # of the area the cells go in
    cell_width: int  # smallest slot a cell needs (the delegate's cell plus CELL_GAP)
    cell_height: int
    header_height: int  # a month header
    divider_height: int  # the weaker-matches divider
    top: int = 4  # above the first section
    bottom: int = 8  # below the last line


class GridLayout:
    """Positions of ``count`` rows in ``sections`` (sorted by start, the first at row 0)."""

    def __init__(self, count: int, sections: Sequence[Section], metrics: Metrics) -> None:
        self.count = count
        self.metrics = metrics
        m = metrics
        self.columns = max(1, m.width // max(1, m.cell_width))
        # The spare width is shared between the columns, so the grid has no ragged gap on the right.
        self.slot_width = max(1, m.cell_width + max(0, m.width - self.columns * m.cell_width) // self.columns)
        self.slot_height = max(1, m.cell_height)
        kept = [s for s in sections if 0 <= s.start < count]
        if count and (not kept or kept[0].start != 0):
            kept.insert(0, Section(0))
        merged: list[Section] = []
        for s in kept:  # one section per start: the later one wins (it was asked for last)
            if merged and merged[-1].start == s.start:
                merged[-1] = s
            elif not merged or s.start > merged[-1].start:
                merged.append(s)
        self.sections = merged
        self.starts = [s.start for s in merged]
        self.ends = [*self.starts[1:], count]
        self.tops: list[int] = []  # where each section begins (its header, or its first line)
        self.bodies: list[int] = []  # where each section's first line begins
        y = m.top
        for i, s in enumerate(merged):
            if i:
                y += SECTION_GAP
            self.tops.append(y)
            y += self.header_height(s)
            self.bodies.append(y)
            y += self.lines(i) * self.slot_height
        self.height = (y + m.bottom) if count else 0

    # -- sizes --------------------------------------------------------------------------------------

    def header_height(self, section: Section) -> int:
        if not section.has_header:
            return 0
        return self.metrics.divider_height if section.kind == "divider" else self.metrics.header_height

    def lines(self, i: int) -> int:
        """How many lines section ``i`` takes."""
        n = self.ends[i] - self.starts[i]
        return -(-n // self.columns)

    # -- rows and points ----------------------------------------------------------------------------

    def section_of(self, row: int) -> int:
        return bisect_right(self.starts, row) - 1

    def place(self, row: int) -> tuple[int, int, int]:
        """(section, line within it, column) of ``row``."""
        i = self.section_of(row)
        line, column = divmod(row - self.starts[i], self.columns)
        return i, line, column

    def rect(self, row: int) -> tuple[int, int, int, int] | None:
        """``(x, y, width, height)`` of ``row``'s slot in content coordinates; None for a row out of range."""
        if not 0 <= row < self.count:
            return None
        i, line, column = self.place(row)
        return column * self.slot_width, self.bodies[i] + line * self.slot_height, self.slot_width, self.slot_height

    def header_rect(self, i: int) -> tuple[int, int, int, int]:
        """``(x, y, width, height)`` of section ``i``'s header (height 0 when it has none)."""
        return 0, self.tops[i], self.columns * self.slot_width, self.header_height(self.sections[i])

    def row_at(self, x: int, y: int) -> int:
        """The row whose slot holds the content point ``(x, y)``; -1 for a header, a gap or past the end."""
        if not self.count or x < 0 or y < 0:
            return -1
        i = bisect_right(self.tops, y) - 1
        if i < 0 or y < self.bodies[i]:
            return -1
        line = (y - self.bodies[i]) // self.slot_height
        column = x // self.slot_width
        if line >= self.lines(i) or column >= self.columns:
            return -1
        row = self.starts[i] + line * self.columns + column
        return row if row < self.ends[i] else -1

    def rows_between(self, top: int, bottom: int) -> range:
        """The rows whose slots meet the band ``top..bottom`` (content y, inclusive): a contiguous run."""
        if not self.count or bottom < top:
            return range(0)
        return range(self._first_at_or_below(top), self._first_below(bottom))

    def _first_at_or_below(self, y: int) -> int:
        """The first row whose slot's bottom is at or below ``y``."""
        i = max(0, bisect_right(self.tops, y) - 1)
        while i < len(self.sections):
            line = max(0, (y - self.bodies[i]) // self.slot_height)  # bottom = body + (line+1)*h - 1 >= y
            if line < self.lines(i):
                return min(self.ends[i], self.starts[i] + line * self.columns)
            i += 1
        return self.count

    def _first_below(self, y: int) -> int:
        """The first row whose slot's top is below ``y``."""
        i = max(0, bisect_right(self.tops, y) - 1)
        while i < len(self.sections):
            if self.bodies[i] > y:
                return self.starts[i]
            line = (y - self.bodies[i]) // self.slot_height + 1
            if line < self.lines(i):
                return self.starts[i] + line * self.columns
            i += 1
        return self.count

    def ranges_in(self, left: int, top: int, right: int, bottom: int) -> list[tuple[int, int]]:
        """``(first, last)`` runs of the rows whose slots meet the rectangle (content coordinates, inclusive),
        line by line, merged where they join (a drag selection)."""
        if not self.count or right < 0 or bottom < top:
            return []
        c0 = max(0, left // self.slot_width)
        c1 = min(self.columns - 1, right // self.slot_width)
        if c1 < c0:
            return []
        out: list[tuple[int, int]] = []
        rows = self.rows_between(top, bottom)
        row = rows.start
        while row < rows.stop:
            i, line, _ = self.place(row)
            first = self.starts[i] + line * self.columns
            lo, hi = first + c0, min(first + c1, self.ends[i] - 1)
            if lo <= hi:
                if out and out[-1][1] == lo - 1:
                    out[-1] = (out[-1][0], hi)
                else:
                    out.append((lo, hi))
            row = min(self.ends[i], first + self.columns)
        return out

    # -- moving the cursor --------------------------------------------------------------------------

    def up(self, row: int) -> int:
        """The row above ``row`` (same column, or the last of a shorter line); ``row`` on the first line."""
        i, line, column = self.place(row)
        if line > 0:
            return row - self.columns
        if i == 0:
            return row
        last_line = self.lines(i - 1) - 1
        first = self.starts[i - 1] + last_line * self.columns
        return min(first + column, self.ends[i - 1] - 1)

    def down(self, row: int) -> int:
        """The row below ``row`` (same column, or the last of a shorter line); ``row`` on the last line."""
        i, line, column = self.place(row)
        if line + 1 < self.lines(i):
            return min(row + self.columns, self.ends[i] - 1)
        if i + 1 >= len(self.sections):
            return row
        return min(self.starts[i + 1] + column, self.ends[i + 1] - 1)

    def line_top(self, row: int) -> int:
        """Where ``row``'s line begins, its section's header included when it is the section's first line."""
        i, line, _ = self.place(row)
        return self.tops[i] if line == 0 else self.bodies[i] + line * self.slot_height
