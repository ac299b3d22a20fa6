"""Handing a photo to the rest of the desktop: open it, show it in the file manager, copy its path.

An action that fails says why: :func:`notifier` sends the reason, in words, to whoever listens (the main
window shows it in its status bar), and the function returns False.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, QProcess, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication


class FileActionNotifier(QObject):
    failed = Signal(str)  # why an action on a file did not happen, in words


_notifier: FileActionNotifier | None = None


def notifier() -> FileActionNotifier:
    """The one object that tells why a file action failed (created on first use)."""
    global _notifier
    if _notifier is None:
        _notifier = FileActionNotifier()
    return _notifier


def _fail(text: str) -> bool:
    notifier().failed.emit(text)
    return False


def missing(path: str) -> str | None:
    """Why ``path`` cannot be handed on, when it is not there; None when it is."""
    if os.path.exists(path):
        return None
    if not os.path.isdir(os.path.dirname(path)):
        return "its folder is not there (moved, renamed, or on a drive that is not connected)"
    return "it is not there any more (moved, renamed or deleted)"


def open_file(path: str | Path) -> bool:
    """Open ``path`` in the application the system uses for it."""
    full = os.path.abspath(os.fspath(path))
    if (why := missing(full)) is not None:
        return _fail(f"Cannot open {os.path.basename(full)}: {why}")
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(full)):
        ext = os.path.splitext(full)[1].lower() or "these"
        return _fail(f"Cannot open {os.path.basename(full)}: no application is set up to open {ext} files")
    return True


def reveal(path: str | Path) -> bool:
    """Show ``path`` selected in the system file manager (its folder, where selecting is not possible)."""
    full = os.path.abspath(os.fspath(path))
    if (why := missing(full)) is not None:
        return _fail(f"Cannot show {os.path.basename(full)} in its folder: {why}")
    no_manager = f"Cannot show {os.path.basename(full)} in its folder: the file manager could not be started"
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", full])[0] or _fail(no_manager)
    if sys.platform == "win32":
        return QProcess.startDetached("explorer", [f"/select,{os.path.normpath(full)}"])[0] or _fail(no_manager)
    folder = QUrl.fromLocalFile(os.path.dirname(full))
    if shutil.which("dbus-send"):  # the freedesktop file-manager interface selects the file
        args = [
            "--session", "--print-reply", "--type=method_call", "--dest=org.freedesktop.FileManager1",
            "/org/freedesktop/FileManager1", "org.freedesktop.FileManager1.ShowItems",
            f"array:string:{QUrl.fromLocalFile(full).toString()}", "string:",
        ]  # fmt: skip
        proc = QProcess(QGuiApplication.instance())

        def finished(code: int, _status: QProcess.ExitStatus) -> None:
            if code != 0:  # no file manager offers the interface: open the folder instead
                _open_folder(folder)
            proc.deleteLater()

        proc.finished.connect(finished)
        proc.errorOccurred.connect(lambda _e: _open_folder(folder))
        proc.start("dbus-send", args)
        return True
    return _open_folder(folder)


def _open_folder(folder: QUrl) -> bool:
    if QDesktopServices.openUrl(folder):
        return True
    return _fail(f"Cannot show {folder.toLocalFile()}: no file manager is set up to open folders")


def copy_paths(paths: list[str]) -> None:
    mime = QMimeData()
    mime.setText("\n".join(paths))
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.setMimeData(mime)
