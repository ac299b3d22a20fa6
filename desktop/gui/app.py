"""Start the desktop app: ``python -m desktop`` or ``reframe gui``.

The window appears at once; the model loads behind it (the status bar says "Loading model…").
``--demo`` builds the demo library of shapes photos (once) inside the library directory, uses the bundled
``shapes-tiny`` model, and fills in a composed query ready to try.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop import log
from desktop.errors import ReframeError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

_log = log.get("gui")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="reframe gui", description="Search your photos by text, example, or both.")
    parser.add_argument("--library", metavar="DIR", help="library folder (default: REFRAME_HOME or the user data dir)")
    parser.add_argument("--model", metavar="NAME", help="model to search with (default: the library's model)")
    parser.add_argument("--demo", action="store_true", help="build and open the demo library with shapes-tiny")
    # For this run only, over what Settings stored in the library (see Session.open).
    parser.add_argument("--device", choices=("cuda", "mps", "cpu"), help="device to run the model on")
    parser.add_argument("--backend", choices=("auto", "onnx", "torch"), help="what runs the model")
    parser.add_argument("--precision", choices=("fp32", "int8"), help="ONNX Runtime weights")
    return parser.parse_args(argv)


#: How long (s) a thread may keep the GIL while another waits for it. While the indexer's threads run
#: Python, the window waits up to this long each time it needs the GIL back (each time Qt calls into
#: Python, and around many Qt calls, where PySide lets go of it). Python's
#: 5 ms made the longest freeze while indexing 62-84 ms; 1 ms, 47-69 ms (benchmarks/ui_freeze.py, four
#: runs each). It costs the tiny demo model ~9% of its Python-bound indexing rate (217 vs 239 photos/s);
#: real backbones spend their time in torch, outside the GIL.
GIL_SWITCH_INTERVAL = 0.001


def make_app() -> QApplication:
    """The application object, named, with its icon, and the interpreter tuned for a responsive window."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from desktop.paths import RESOURCES

    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "reframe"])
    assert isinstance(app, QApplication)
    app.setApplicationName("Reframe")
    app.setApplicationDisplayName("Reframe")
    app.setOrganizationName("Reframe")
    app.setDesktopFileName("reframe")  # Wayland and taskbars match the window to reframe.desktop
    icon = QIcon()
    for png in sorted((RESOURCES / "icons").glob("reframe-*.png")):
        icon.addFile(str(png))
    if not icon.isNull():
        app.setWindowIcon(icon)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from PySide6.QtWidgets import QMessageBox

    from desktop.gui.messages import install_excepthook
    from desktop.gui.session import Session
    from desktop.gui.window import MainWindow

    app = make_app()
    install_excepthook()
    model = args.model or ("shapes-tiny" if args.demo else None)
    library = args.library
    if args.demo and not library:
        from desktop.paths import demo_library_dir

        library = demo_library_dir()  # the demo never writes into the user's own library
    try:
        session = Session.open(library, model, device=args.device, backend=args.backend, precision=args.precision)
        if args.demo and args.library and session.library is not None:
            session.library.remember_model = False  # shapes-tiny is for the demo, not the library's next run
    except ReframeError as exc:
        _log.error("cannot open the library: %s", exc)
        QMessageBox.critical(None, "Reframe", f"{exc.message}\n\n{exc.hint or ''}".strip())
        return exc.exit_code
    window = MainWindow(session)
    window.show()
    session.start()
    if args.demo:
        session.setup_demo()
    else:
        window.search_bar.focus_field()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
