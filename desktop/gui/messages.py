"""Every error a user should hear about goes through :func:`show_error`: it is logged, then shown.

Known errors (:class:`~desktop.errors.ReframeError`) show their message and hint; anything else is a bug
and shows a short text with the traceback under "Show Details". Boxes are opened window-modal without a
nested event loop, so background work and tests keep running while one is up. ``install_excepthook``
routes uncaught exceptions on the main thread here too.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from shiboken6 import isValid

from desktop import log
from desktop.errors import ReframeError

_log = log.get("gui")

#: Called with every error shown (tests use it to see errors without looking for boxes).
listeners: list[Callable[[BaseException], None]] = []


def show_error(parent: QWidget | None, exc: BaseException, *, context: str = "") -> QMessageBox | None:
    """Log ``exc`` and show it in a message box. Returns the box (None without a QApplication)."""
    where = f" ({context})" if context else ""
    if isinstance(exc, ReframeError):
        _log.warning("%s%s", exc, where)
    else:
        _log.error("unexpected error%s", where, exc_info=(type(exc), exc, exc.__traceback__))
    for listener in list(listeners):
        listener(exc)
    if QApplication.instance() is None:
        return None
    if parent is not None and not isValid(parent):
        parent = None
    box = QMessageBox(parent)
    box.setObjectName("errorBox")
    box.setWindowTitle("Reframe")
    if isinstance(exc, ReframeError):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(exc.message)
        if exc.hint:
            box.setInformativeText(exc.hint)
    else:
        box.setIcon(QMessageBox.Icon.Critical)
        box.setText("Something went wrong.")
        box.setInformativeText(f"{type(exc).__name__}: {exc}\n\nThe details are in the log.")
        box.setDetailedText("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    box.open()
    return box


def install_excepthook() -> None:
    """Show uncaught main-thread exceptions instead of losing them (the default prints to a console
    that a desktop app usually does not have)."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb)
            return
        try:
            show_error(None, exc.with_traceback(tb), context="uncaught")
        except Exception:  # never fail inside the hook
            previous(kind, exc, tb)

    sys.excepthook = hook
