"""Handing a photo to the rest of the desktop: open it, show it in the file manager, copy its path."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QMimeData, QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication


def open_file(path: str | Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(os.fspath(path)))


def reveal(path: str | Path) -> bool:
    """Show ``path`` selected in the system file manager (its folder, where selecting is not possible)."""
    full = os.path.abspath(os.fspath(path))
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", full])[0]
    if sys.platform == "win32":
        return QProcess.startDetached("explorer", [f"/select,{os.path.normpath(full)}"])[0]
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
                QDesktopServices.openUrl(folder)
            proc.deleteLater()

        proc.finished.connect(finished)
        proc.errorOccurred.connect(lambda _e: QDesktopServices.openUrl(folder))
        proc.start("dbus-send", args)
        return True
    return QDesktopServices.openUrl(folder)


def copy_paths(paths: list[str]) -> None:
    mime = QMimeData()
    mime.setText("\n".join(paths))
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.setMimeData(mime)
