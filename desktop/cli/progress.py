"""Progress for indexing on stderr: a tqdm bar on a terminal, and plain lines every few seconds elsewhere
(a log file, cron, a pipe), so a long run is never silent."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from desktop.library import IndexProgress

#: Seconds between two progress lines when stderr is not a terminal.
LINE_EVERY_S = 5.0


class IndexBar:
    def __init__(self, tty: bool | None = None, *, stream: TextIO | None = None, every_s: float = LINE_EVERY_S) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every_s = every_s
        self._bar: Any = None
        self._last_line = -float("inf")

    def __call__(self, p: IndexProgress) -> None:
        if p.phase == "scanning":
            print(f"scanning {p.root}", file=self.stream, flush=True)
        elif p.phase == "encoding":
            if self.tty:
                self._update_bar(p)
            else:
                self._line(p)
        elif p.phase == "done":
            self.close()

    def _update_bar(self, p: IndexProgress) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=p.total, unit="img", desc="encoding", file=self.stream, dynamic_ncols=True)
        self._bar.update(p.done - self._bar.n)

    def _line(self, p: IndexProgress) -> None:
        now = time.monotonic()
        if now - self._last_line < self.every_s and 0 < p.done < p.total:
            return  # the first and the last always get a line
        self._last_line = now
        text = f"encoding {p.done} of {p.total}"
        if p.rate:
            text += f" ({p.rate:.1f} img/s"
            text += f", about {p.eta_s:.0f} s left)" if p.eta_s is not None and p.done < p.total else ")"
        print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
