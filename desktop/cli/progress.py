"""Terminal progress for indexing: a tqdm bar with rate and ETA when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import Any

from desktop.library import IndexProgress


class IndexBar:
    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: Any = None

    def __call__(self, p: IndexProgress) -> None:
        if not self.enabled:
            return
        if p.phase == "scanning":
            print(f"scanning {p.root}", file=sys.stderr)
        elif p.phase == "encoding":
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=p.total, unit="img", desc="encoding", file=sys.stderr, dynamic_ncols=True)
            self._bar.update(p.done - self._bar.n)
        elif p.phase == "done":
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
