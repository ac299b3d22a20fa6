"""What can be done with the selected photos, in the grid and in the loupe: Copy Images, Export…, Open With.

- **Copy Images** (Ctrl+C) puts the files on the clipboard as file URLs (file managers paste the files;
  text fields get the paths), and for a single photo the picture itself as well, decoded in the
  background and added when ready, if the clipboard still holds this copy.
- **Export…** (Ctrl+Shift+E) copies the files to a chosen folder (:mod:`desktop.gui.export_dialog`),
  never overwriting anything there.
- **Open With** lists the applications that open the photo's type: on Linux from the freedesktop MIME
  database (:mod:`desktop.desktop_apps`); on Windows the system's "Open with" chooser; on macOS a choice
  among the Applications.

Each action that cannot be done says why in the status bar. The status bar also says how many photos are
selected ("5 selected").
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QItemSelection, QMimeData, QObject, QProcess, Qt, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton

from desktop.desktop_apps import DesktopApp, apps_for, command, mime_type
from desktop.export import ExportReport
from desktop.gui.export_dialog import ExportDialog
from desktop.gui.photo_loader import FULL, decode
from desktop.gui.worker import Context, Lane, Op

if TYPE_CHECKING:
    from desktop.gui.window import MainWindow

COPY_MARK = "application/x-reframe-copy"  # which copy the clipboard holds (the picture is added later)
GNOME_FILES = "x-special/gnome-copied-files"  # what GNOME's and other GTK file managers paste as files
SETTING_EXPORT_FOLDER = "gui.export_folder"
MESSAGE_MS = 6000
#: How long the list of applications for a type is kept before the MIME database is read again.
APPS_TTL_S = 30.0


def _name(path: str) -> str:
    return os.path.basename(path)


def _photos(n: int) -> str:
    return f"{n:,} photo{'s' if n != 1 else ''}"


def file_mime(paths: list[str], token: bytes) -> QMimeData:
    """Clipboard data naming ``paths`` as files, with the paths as text."""
    mime = QMimeData()
    urls = [QUrl.fromLocalFile(p) for p in paths]
    mime.setUrls(urls)
    mime.setText("\n".join(paths))
    gnome = "copy\n" + "\n".join(u.toString(QUrl.ComponentFormattingOption.FullyEncoded) for u in urls)
    mime.setData(GNOME_FILES, QByteArray(gnome.encode()))
    mime.setData(COPY_MARK, QByteArray(token))
    return mime


class SelectionActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.grid = window.grid
        self.loupe = window.loupe
        self.lane = Lane("export", 1)  # exports, and the picture of a copied photo
        self.exports: list[ExportDialog] = []
        self._apps: dict[str, tuple[float, list[DesktopApp]]] = {}
        self._copy_token = b""
        grid = self.grid
        for name, text, keys, slot in (
            ("copy", "Copy Images", [QKeySequence.StandardKey.Copy], self.copy_selected),
            ("export", "Export…", ["Ctrl+Shift+E"], self.export_selected),
        ):
            action = QAction(text, grid)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            grid.addAction(action)
            grid.actions_by_name[name] = action
        self.open_with_menu = self.make_open_with_menu(lambda: [h.path for h in grid.selected_hits()])
        open_with = QAction("Open With", grid)
        open_with.setMenu(self.open_with_menu)
        grid.actions_by_name["open_with"] = open_with
        entries = grid.menu_entries
        at = entries.index("open") + 1 if "open" in entries else 0
        entries.insert(at, "open_with")
        at = entries.index("reveal") + 1 if "reveal" in entries else len(entries)
        entries[at:at] = ["copy", "export"]
        grid.actions_by_name["copy"].setText("Copy Images")
        # The loupe: the same actions for the photo on screen.
        loupe = self.loupe
        loupe.add_shortcut("copy", ["Ctrl+C"], lambda: self.copy_images(self._loupe_paths()))
        loupe.add_shortcut("export", ["Ctrl+Shift+E"], lambda: self.export(self._loupe_paths()))
        button = QToolButton()
        button.setText("Open With ▾")
        button.setToolTip("Open in another application")
        button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(self.make_open_with_menu(self._loupe_paths))
        loupe.add_tool(button, before=loupe.reveal_button)
        self.loupe_open_with = button
        # "5 selected"
        selection = grid.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)
        window.results.modelReset.connect(self.show_selection)
        self.show_selection()

    # -- helpers -------------------------------------------------------------------------------------

    def _loupe_paths(self) -> list[str]:
        return [self.loupe.path] if self.loupe.path else []

    def selected_paths(self) -> list[str]:
        return [h.path for h in self.grid.selected_hits()]

    def say(self, text: str, ms: int = MESSAGE_MS) -> None:
        self.window.statusBar().showMessage(text, ms)

    def _present(self, paths: list[str], doing: str) -> list[str]:
        """The paths still on disk; says which are not."""
        there = [p for p in paths if os.path.isfile(p)]
        gone = [p for p in paths if p not in there]
        if gone:
            which = _name(gone[0]) if len(gone) == 1 else _photos(len(gone))
            verb = "is" if len(gone) == 1 else "are"
            self.say(f"Cannot {doing} {which}: {'it' if len(gone) == 1 else 'they'} {verb} no longer there")
        return there

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.show_selection()

    def selected_count(self) -> int:
        selection = self.grid.selectionModel().selection()
        return sum(selection.at(i).height() for i in range(selection.count()))

    def show_selection(self) -> None:
        status = self.window.statusBar()
        show = getattr(status, "show_selection", None)
        if show is not None:
            show(self.selected_count())

    # -- Copy Images ---------------------------------------------------------------------------------

    def copy_selected(self) -> None:
        self.copy_images(self.selected_paths())

    def copy_images(self, paths: list[str]) -> None:
        if not paths:
            self.say("Select photos to copy")
            return
        there = self._present(paths, "copy")
        if not there:
            return
        clipboard = QGuiApplication.clipboard()
        token = secrets.token_hex(8).encode()
        self._copy_token = token
        clipboard.setMimeData(file_mime(there, token))
        if len(there) < len(paths):
            return  # the status bar says what was missing
        if len(there) == 1:
            self.say(f"Copied {_name(there[0])}")
            self._add_picture(there[0], token)
        else:
            self.say(f"Copied {_photos(len(there))} (as files)")

    def _add_picture(self, path: str, token: bytes) -> None:
        """Decode the photo off the window's thread, then add it to the copy if that is still on the clipboard."""

        def load(ctx: Context) -> QImage:
            return decode(path, FULL).image

        def loaded(image: QImage) -> None:
            clipboard = QGuiApplication.clipboard()
            held = clipboard.mimeData()
            if held is None or bytes(held.data(COPY_MARK).data()) != token:
                return  # something else was copied meanwhile
            mime = file_mime([path], token)
            mime.setImageData(image)
            clipboard.setMimeData(mime)

        def failed(exc: BaseException) -> None:
            reason = getattr(exc, "message", None) or "it could not be read"
            self.say(f"Copied {_name(path)} as a file; its picture could not be added: {reason}")

        Op(load, success=loaded, failure=failed, name="copy picture").run_in(self.lane)

    # -- Export… -------------------------------------------------------------------------------------

    def export_selected(self) -> None:
        self.export(self.selected_paths())

    def export(self, paths: list[str]) -> None:
        if not paths:
            self.say("Select photos to export")
            return
        session = self.window.session
        start = session.setting(SETTING_EXPORT_FOLDER) or os.path.expanduser("~")
        folder = QFileDialog.getExistingDirectory(self.window, f"Export {_photos(len(paths))} to", start)
        if folder:
            session.set_setting(SETTING_EXPORT_FOLDER, folder)
            self.export_to(paths, folder)

    def export_to(self, paths: list[str], folder: str) -> ExportDialog:
        """Copy ``paths`` into ``folder`` in the background, showing progress, then the report."""
        dialog = ExportDialog(paths, folder, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finishedExport.connect(self._exported)
        dialog.destroyed.connect(lambda: self.exports.remove(dialog) if dialog in self.exports else None)
        self.exports.append(dialog)
        dialog.show()
        dialog.start(self.lane)
        return dialog

    def _exported(self, outcome: object) -> None:
        if isinstance(outcome, ExportReport):
            self.say(outcome.summary(), 10_000)
        else:
            self.say(getattr(outcome, "message", "The export failed"), 10_000)

    # -- Open With -----------------------------------------------------------------------------------

    def make_open_with_menu(self, paths: Callable[[], list[str]]) -> QMenu:
        menu = QMenu("Open With")
        menu.setObjectName("openWithMenu")
        menu.aboutToShow.connect(lambda: self.fill_open_with(menu, paths()))
        return menu

    def apps(self, mime: str) -> list[DesktopApp]:
        now = time.monotonic()
        kept = self._apps.get(mime)
        if kept is None or now - kept[0] > APPS_TTL_S:
            kept = (now, apps_for(mime))
            self._apps[mime] = kept
        return kept[1]

    def fill_open_with(self, menu: QMenu, paths: list[str]) -> None:
        menu.clear()
        if not paths:
            menu.addAction("No photo selected").setEnabled(False)
            return
        if sys.platform == "win32":
            menu.addAction("Choose Application…").triggered.connect(lambda: self.windows_open_with(paths))
            return
        if sys.platform == "darwin":
            menu.addAction("Choose Application…").triggered.connect(lambda: self.mac_open_with(paths))
            return
        mime = mime_type(paths[0])
        found = self.apps(mime)
        if not found:
            kind = mime.split("/")[-1].upper()
            menu.addAction(f"No applications are registered for {kind} images").setEnabled(False)
            return
        for app in found:
            action = menu.addAction(f"{app.name} (default)" if app.default else app.name)
            action.setToolTip(app.exec)
            action.triggered.connect(lambda _=False, app=app: self.open_with(app, paths))

    def open_with(self, app: DesktopApp, paths: list[str]) -> bool:
        there = self._present(paths, "open")
        if not there:
            return False
        try:
            commands = command(app, there)
        except ValueError:
            self.say(f"Cannot open with {app.name}: its desktop entry does not say how to start it")
            return False
        for argv in commands:
            started, _pid = QProcess.startDetached(argv[0], argv[1:])
            if not started:
                self.say(f"Cannot open with {app.name}: {argv[0]} could not be started (is it installed?)")
                return False
        which = _name(there[0]) if len(there) == 1 else _photos(len(there))
        self.say(f"Opened {which} in {app.name}", 3000)
        return True

    def windows_open_with(self, paths: list[str]) -> None:
        there = self._present(paths, "open")
        chooser = ["shell32.dll,OpenAs_RunDLL", os.path.normpath(there[0])] if there else []
        if there and not QProcess.startDetached("rundll32.exe", chooser)[0]:
            self.say("Cannot show Windows' “Open with” chooser")

    def mac_open_with(self, paths: list[str]) -> None:
        there = self._present(paths, "open")
        if not there:
            return
        app, _ = QFileDialog.getOpenFileName(self.window, "Open With", "/Applications", "Applications (*.app)")
        if app and not QProcess.startDetached("open", ["-a", app, *there])[0]:
            self.say(f"Cannot open with {_name(app)}")

    def stop(self) -> None:
        for dialog in list(self.exports):
            dialog.stop()
        self.lane.cancel_all()
        self.lane.wait(15_000)
