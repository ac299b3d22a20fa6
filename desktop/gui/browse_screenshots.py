"""Screenshots of browsing, the filter bar and the weaker-matches divider, from the real window.

    xvfb-run -a -s "-screen 0 1400x900x24" bash -c \
        'openbox & sleep 1; python -m desktop.gui.browse_screenshots docs/screenshots'

Makes ``browse.png`` (the library by capture date under month headers), ``filters.png`` (a date range, a
folder and a kind as chips, the Date menu open) and ``weaker-matches.png`` (a search with the divider at
the engine's cut and the score badge of the cell under the pointer). The library is shapes scenes in two
folders, dated over two years, indexed with the bundled ``shapes-tiny``. Popups and the pointer's hover
need a real display (Xvfb with a window manager); offscreen, the pictures come without them.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
from pathlib import Path

SIZE = (1180, 760)


def make_photos(folder: Path, n: int, seed: int, start: dt.datetime, step_days: float) -> list[Path]:
    """``n`` shapes scenes, one every ``step_days`` back in time from ``start`` (file times; no EXIF)."""
    from desktop.shapes.render import Style, render
    from desktop.shapes.world import random_scene

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    photos = []
    for i in range(n):
        path = folder / f"IMG_{seed:02d}{i:03d}.png"
        render(random_scene(rng), random.Random(seed * 1000 + i), Style(canvas=192)).save(path)
        t = (start - dt.timedelta(days=i * step_days)).timestamp()
        os.utime(path, (t, t))
        photos.append(path)
    return photos


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("REFRAME_OFFLINE", "1")
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QCursor, QGuiApplication

    from desktop.gui.app import make_app
    from desktop.gui.screenshots import settler
    from desktop.gui.session import READY, Session
    from desktop.gui.window import MainWindow
    from desktop.search.filter_choice import DatePick, FilterChoice

    app = make_app()

    settle = settler(app, catch_up=30)

    def grab(window: MainWindow, name: str) -> None:
        """The window with its frame and any popup over it, where there is a screen; else the widget."""
        screen = QGuiApplication.primaryScreen()
        frame = window.frameGeometry()
        shot = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
        if shot.isNull() or QGuiApplication.platformName() == "offscreen":
            shot = window.grab()
        shot.save(str(out / name))
        print(out / name)

    with tempfile.TemporaryDirectory(prefix="reframe-browse-") as tmp:
        base = Path(tmp)
        now = dt.datetime.now().replace(hour=12, minute=0, second=0, microsecond=0)
        make_photos(base / "Holidays", 40, 3, now - dt.timedelta(days=20), 9.5)
        make_photos(base / "Garden", 36, 7, now - dt.timedelta(days=3), 13)
        session = Session.open(base / "library", "shapes-tiny")
        window = MainWindow(session)
        window.resize(*SIZE)
        window.show()
        window.move(40, 40)
        session.start()
        session.add_root(base / "Holidays")
        session.add_root(base / "Garden")
        s = window.session

        def idle() -> bool:
            return s.model_state == READY and not s.indexer.busy and not s.searching and not s.io_lane.active()

        settle(lambda: idle() and s.library_size == 76, 300)
        settle(lambda: idle() and window.results.rowCount() == 76 and window.loader.pool.activeThreadCount() == 0)
        settle(lambda: not window.library_panel.progress.isVisible(), 10)
        window.grid.scrollTo(window.results.index(0))
        window.grid.clearSelection()
        settle(lambda: window.loader.pool.activeThreadCount() == 0)
        grab(window, "browse.png")

        last_year = now.year - 1
        window.filter_bar.set_choice(
            FilterChoice(
                DatePick(after=f"{last_year}-01", before=f"{now.year}"), (str((base / "Holidays").resolve()),), ("png",)
            )
        )
        settle(lambda: idle() and window.loader.pool.activeThreadCount() == 0)
        window.filter_bar.refresh_years()
        settle(idle)
        QTimer.singleShot(300, lambda: grab(window, "filters.png"))
        QTimer.singleShot(600, lambda: window.filter_bar.date_menu.close())
        window.filter_bar.date_button.showMenu()  # returns when the menu closes
        settle(lambda: True)

        window.filter_bar.clear()
        window.search_bar.set_query("a red circle")
        settle(lambda: idle() and window.results.matches is not None)
        settle(lambda: window.loader.pool.activeThreadCount() == 0)
        grid = window.grid
        cut = window.results.matches or 0
        row = max(0, cut - 1)
        grid.scrollTo(window.results.index(min(row + grid.placement.columns, window.results.rowCount() - 1)))
        settle(lambda: window.loader.pool.activeThreadCount() == 0)
        cell = grid.visualRect(window.results.index(row))
        QCursor.setPos(grid.viewport().mapToGlobal(cell.center()))
        settle(lambda: grid.hover_row() == row, 5)
        grid.viewport().update()
        settle(lambda: True)
        grab(window, "weaker-matches.png")
        print(f"matches {cut} of {window.results.rowCount()} shown; hover row {grid.hover_row()}")
        window.shutdown()
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
