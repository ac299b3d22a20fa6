"""Screenshots of the refine trail and the field's terms: ``python -m desktop.gui.screenshots_trail docs/screenshots``.

On a fresh demo library with ``shapes-tiny`` (as :mod:`desktop.gui.screenshots`): ``trail.png`` after three
turns of a composed refinement (the demo's blue square made red, the best hit put on black, then made a
circle), and ``terms.png`` with weighted and negative terms in the field. Runs offscreen unless
``QT_QPA_PLATFORM`` says otherwise (use xcb under Xvfb with a window manager to see real window chrome).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

SIZE = (1180, 760)
TURNS = ("make the square red", "change the background to black", "turn the square into a circle")
TERMS = '2:"a red square" on a white background -circle'


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("REFRAME_OFFLINE", "1")
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QCursor
    from PySide6.QtTest import QTest

    from desktop.gui.app import make_app
    from desktop.gui.screenshots import settler
    from desktop.gui.session import READY, Session
    from desktop.gui.window import MainWindow

    app = make_app()

    settle = settler(app, timeout=300, catch_up=30)

    with tempfile.TemporaryDirectory(prefix="reframe-trail-") as tmp:
        window = MainWindow(Session.open(Path(tmp) / "library", "shapes-tiny"))
        window.resize(*SIZE)
        window.show()
        window.session.start()
        s = window.session

        def idle() -> bool:
            return s.model_state == READY and not s.indexer.busy and not s.searching and not s.io_lane.active()

        def turns(n: int) -> Callable[[], bool]:
            return lambda: len(window.history.trail) == n and idle() and window.results.rowCount() > 0

        settle(idle)
        s.setup_demo()  # the demo's reference and its first change: turn 1
        settle(turns(1))
        for n, change in enumerate(TURNS[1:], start=2):
            best = window.results.hit(0)
            assert best is not None
            window.search_bar.use_reference(best.path, keep_text=False)
            field = window.search_bar.field
            field.setFocus()
            field.setText(change)
            QTest.keyClick(field, Qt.Key.Key_Return)
            settle(turns(n))
        QCursor.setPos(window.mapToGlobal(window.rect().bottomRight()) + QPoint(50, 50))  # no hover highlight
        window.grid.setFocus()
        settle(lambda: window.loader.pool.activeThreadCount() == 0 and window.well_loader.pool.activeThreadCount() == 0)
        settle(lambda: not window.library_panel.progress.isVisible(), 10)
        window.grab().save(str(out / "trail.png"))

        window.search_bar.clear()  # the text, then the reference
        settle(idle)
        field = window.search_bar.field
        field.setFocus()
        field.setText(TERMS)
        QTest.keyClick(field, Qt.Key.Key_Return)
        settle(lambda: idle() and len(window.history.trail) == 4)
        settle(lambda: window.loader.pool.activeThreadCount() == 0)
        window.grab().save(str(out / "terms.png"))
        window.shutdown()
        window.close()
    for name in ("trail.png", "terms.png"):
        print(out / name, "ok" if (out / name).is_file() else "MISSING")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
