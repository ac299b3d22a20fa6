"""Screenshots of the chrome's screens: ``python -m desktop.gui.screenshots_chrome docs/screenshots``.

``duplicates.png`` (Library › Find Duplicates on a folder with copies of three pictures), ``about.png``,
``search-tips.png`` and ``dark-theme.png`` (the demo's composed search in the dark theme), each from a fresh
library in a temporary folder with the bundled ``shapes-tiny``. Runs offscreen unless ``QT_QPA_PLATFORM``
says otherwise (under Xvfb with a window manager, to see them as a user does).
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

SIZE = (1180, 760)


def make_copies(folder: Path) -> None:
    """Nine different scenes, and of three of them a byte copy, a smaller JPEG or both."""
    from PIL import Image

    from desktop.shapes.render import Style, render
    from desktop.shapes.world import random_scene

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(21)
    names = ["harbour", "garden", "kitchen", "market", "station", "bridge", "meadow", "studio", "alley"]
    for i, name in enumerate(names):
        render(random_scene(rng), random.Random(i), Style(canvas=384)).save(folder / f"{name}.png")
    shutil.copyfile(folder / "harbour.png", folder / "harbour (1).png")
    for name, size in (("harbour", 192), ("garden", 256), ("kitchen", 200)):
        with Image.open(folder / f"{name}.png") as img:
            img.convert("RGB").resize((size, size), Image.Resampling.LANCZOS).save(
                folder / f"{name}-small.jpg", quality=88
            )
    shutil.copyfile(folder / "garden.png", folder / "backup-garden.png")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("REFRAME_OFFLINE", "1")
    from desktop.gui.app import make_app
    from desktop.gui.screenshots import settler
    from desktop.gui.session import READY, Session
    from desktop.gui.window import MainWindow

    app = make_app()

    settle = settler(app, catch_up=30)

    def idle(window: MainWindow) -> Callable[[], bool]:
        s = window.session
        return lambda: s.model_state == READY and not s.indexer.busy and not s.searching and not s.io_lane.active()

    with tempfile.TemporaryDirectory(prefix="reframe-chrome-") as tmp:
        photos = Path(tmp) / "Holiday photos"
        make_copies(photos)
        window = MainWindow(Session.open(Path(tmp) / "library", "shapes-tiny"))
        window.resize(*SIZE)
        window.show()
        window.session.start()
        window.session.add_root(photos)
        settle(idle(window))
        view = window.chrome.find_duplicates()
        view.resize(1000, 760)
        settle(lambda: not view.running and view.report is not None)
        settle(lambda: view.loader.pool.activeThreadCount() == 0, 20)
        view.grab().save(str(out / "duplicates.png"))
        view.close()

        about = window.chrome.show_about()
        settle(lambda: True)
        about.grab().save(str(out / "about.png"))
        about.close()
        tips = window.chrome.show_search_tips()
        settle(lambda: True)
        tips.grab().save(str(out / "search-tips.png"))
        tips.close()
        window.shutdown()
        window.close()

        window = MainWindow(Session.open(Path(tmp) / "demo", "shapes-tiny"))
        window.resize(*SIZE)
        window.show()
        window.session.start()
        window.chrome.apply_theme("dark")
        window.session.setup_demo()
        settle(lambda: window.search_bar.reference is not None and idle(window)(), 300)
        settle(lambda: window.results.rowCount() > 0 and window.loader.pool.activeThreadCount() == 0, 30)
        settle(lambda: not window.library_panel.progress.isVisible(), 10)
        window.grab().save(str(out / "dark-theme.png"))
        window.chrome.apply_theme("system")
        window.shutdown()
        window.close()
    for name in ("duplicates.png", "about.png", "search-tips.png", "dark-theme.png"):
        print(out / name, "ok" if (out / name).is_file() else "MISSING")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
