"""The window half of the self-test (the rest is Qt-free in desktop/selftest.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop

from desktop.gui.app import make_app
from desktop.gui.session import READY, UNAVAILABLE, Session
from desktop.gui.window import MainWindow


def open_window_and_close(library: Path, model: str, timeout_s: float, backend: str | None = None) -> tuple[bool, str]:
    """Open the main window on ``library`` (the model on ``backend``), wait until it is ready (or not), close it."""
    app = make_app()
    t0 = time.perf_counter()
    session = Session.open(library, model, watch=False, backend=backend)
    window = MainWindow(session)
    window.show()
    session.start()
    deadline = time.monotonic() + timeout_s
    while session.model_state not in (READY, UNAVAILABLE) and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    visible = window.isVisible()
    state = session.model_state
    window.close()
    QCoreApplication.processEvents()
    closed = session.closed or not window.isVisible()
    if not session.closed:
        session.shutdown()
    del app
    detail = (
        f"main window opened ({os.environ.get('QT_QPA_PLATFORM')} platform), model {state} after "
        f"{time.perf_counter() - t0:.1f} s, closed: {closed}"
    )
    return visible and state == READY and closed, detail
