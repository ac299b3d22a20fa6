"""Start the desktop app: ``python -m desktop`` or ``reframe gui``.

The window appears at once; the model loads behind it (the status bar says "Loading model…").
``--demo`` builds the demo library of shapes photos (once) inside the library directory, uses the bundled
``shapes-tiny`` model, and fills in a composed query ready to try.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from desktop import log
from desktop.errors import ReframeError

_log = log.get("gui")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="reframe gui", description="Search your photos by text, example, or both.")
    parser.add_argument("--library", metavar="DIR", help="library folder (default: REFRAME_HOME or the user data dir)")
    parser.add_argument("--model", metavar="NAME", help="model to search with (default: the library's model)")
    parser.add_argument("--demo", action="store_true", help="build and open the demo library with shapes-tiny")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.gui.messages import install_excepthook
    from desktop.gui.session import Session
    from desktop.gui.window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "reframe"])
    app.setApplicationName("Reframe")
    app.setApplicationDisplayName("Reframe")
    app.setOrganizationName("Reframe")
    install_excepthook()
    model = args.model or ("shapes-tiny" if args.demo else None)
    try:
        session = Session.open(args.library, model)
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
