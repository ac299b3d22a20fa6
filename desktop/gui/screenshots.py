"""Make the README screenshots from the real window: ``python -m desktop.gui.screenshots docs/screenshots``.

Three pictures, each of a fresh library in a temporary folder, with the bundled ``shapes-tiny`` model:
``empty.png`` (first run), ``indexing.png`` (the demo library half indexed) and ``composed.png`` (the demo's
composed query with its results). Runs offscreen unless ``QT_QPA_PLATFORM`` says otherwise.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SIZE = (1180, 760)


def settler(app: object, *, timeout: float = 120, catch_up: int = 20) -> Callable[..., bool]:
    """``settle(until, timeout=...)`` for the screenshot scripts: run the event loop until ``until()`` holds
    (or the timeout passes), then ``catch_up`` more rounds so layouts, thumbnails and repaints catch up;
    returns ``until()``."""

    def settle(until: Callable[[], bool], timeout: float = timeout) -> bool:
        end = time.monotonic() + timeout
        while not until() and time.monotonic() < end:
            app.processEvents()  # type: ignore[attr-defined]
            time.sleep(0.01)
        for _ in range(catch_up):
            app.processEvents()  # type: ignore[attr-defined]
            time.sleep(0.01)
        return until()

    return settle


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("REFRAME_OFFLINE", "1")
    from PySide6.QtCore import QTimer

    from desktop.gui.app import make_app
    from desktop.gui.session import READY, Session
    from desktop.gui.window import MainWindow
    from desktop.library import IndexProgress

    app = make_app()

    settle = settler(app)

    def open_window(folder: Path) -> MainWindow:
        window = MainWindow(Session.open(folder / "library", "shapes-tiny"))
        window.resize(*SIZE)
        window.show()
        window.session.start()
        return window

    def idle(window: MainWindow) -> Callable[[], bool]:
        s = window.session
        return lambda: s.model_state == READY and not s.indexer.busy and not s.searching and not s.io_lane.active()

    with tempfile.TemporaryDirectory(prefix="reframe-screens-") as tmp:
        window = open_window(Path(tmp) / "first-run")
        settle(idle(window))
        settle(lambda: not window.library_panel.progress.isVisible(), 10)
        window.grab().save(str(out / "empty.png"))
        window.shutdown()
        window.close()

        window = open_window(Path(tmp) / "demo")
        settle(idle(window))
        taken: list[bool] = []

        def snap(p: IndexProgress) -> None:
            halfway = p.phase == "encoding" and p.total and 0.35 <= p.done / p.total <= 0.85
            if not taken and halfway and window.results.rowCount() > 0:  # with the first results in
                taken.append(True)
                QTimer.singleShot(40, lambda: window.grab().save(str(out / "indexing.png")))

        window.session.indexer.progress.connect(snap)
        window.session.setup_demo()
        settle(lambda: bool(taken) and idle(window)(), 300)
        settle(lambda: window.results.rowCount() > 0 and window.loader.pool.activeThreadCount() == 0, 30)
        settle(lambda: not window.library_panel.progress.isVisible(), 10)
        window.grab().save(str(out / "composed.png"))
        window.shutdown()
        window.close()
    for name in ("empty.png", "indexing.png", "composed.png"):
        print(out / name, "ok" if (out / name).is_file() else "MISSING")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
