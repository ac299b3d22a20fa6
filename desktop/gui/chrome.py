"""The window's chrome: the Library, View and Help menus, the collapsible sidebar, the theme, Down from the
search field into the results, and the status bar line for actions on files that fail.

:class:`Chrome` adds all of it to a :class:`~desktop.gui.window.MainWindow` built without it, so the window
module only wires it in. Choices (theme, sidebar) are kept in the library's settings, like the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QDialog, QMenu

from desktop.gui import files
from desktop.gui.duplicates_view import DuplicatesView, open_duplicates
from desktop.gui.help import AboutDialog, search_tips_dialog, shortcuts_dialog
from desktop.gui.theme import SETTING_THEME, THEME_NAMES, THEMES, manager

if TYPE_CHECKING:
    from desktop.gui.window import MainWindow

SETTING_SIDEBAR = "gui.sidebar"
SIDEBAR_KEYS = "Ctrl+Shift+L"
STATUS_MS = 8000


class Chrome(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.duplicates: DuplicatesView | None = None
        self.dialogs: dict[str, QDialog] = {}
        bar = window.menuBar()
        self.library_menu = bar.addMenu("&Library")
        self.view_menu = bar.addMenu("&View")
        self.help_menu = bar.addMenu("&Help")
        self.actions: dict[str, QAction] = {}
        self._build_library_menu()
        self._build_view_menu()
        self._build_help_menu()
        self.theme = manager()
        self.apply_theme(self.session.setting(SETTING_THEME) or "system", store=False)
        self.set_sidebar(self.session.setting(SETTING_SIDEBAR) != "0", store=False)
        window.search_bar.field.installEventFilter(self)
        files.notifier().failed.connect(self.show_status)
        window.search_bar.pasteFailed.connect(self.show_status)

    # -- menus --------------------------------------------------------------------------------------

    def _action(
        self,
        menu: QMenu,
        name: str,
        text: str,
        slot: object,
        keys: str | QKeySequence | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self.window)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.actions[name] = action
        return action

    def _build_library_menu(self) -> None:
        menu = self.library_menu
        find = self._action(menu, "duplicates", "Find &Duplicates…", self.find_duplicates, "Ctrl+Shift+D")
        find.setToolTip("Groups of photos that are the same picture, to keep one of each")
        menu.addSeparator()
        self._action(menu, "add", "&Add Folder…", self.window.library_panel.choose_folder)

    def _build_view_menu(self) -> None:
        menu = self.view_menu
        sidebar = self._action(menu, "sidebar", "Show &Sidebar", lambda on: self.set_sidebar(bool(on)), SIDEBAR_KEYS)
        sidebar.setCheckable(True)
        sidebar.setChecked(True)
        menu.addSeparator()
        themes = menu.addMenu("&Theme")
        group = QActionGroup(self)
        group.setExclusive(True)
        for theme in THEMES:
            action = QAction(THEME_NAMES[theme], self.window)
            action.setCheckable(True)
            action.setData(theme)
            action.triggered.connect(lambda _checked=False, t=theme: self.apply_theme(t))
            group.addAction(action)
            themes.addAction(action)
            self.actions[f"theme-{theme}"] = action
        self.theme_menu = themes

    def _build_help_menu(self) -> None:
        menu = self.help_menu
        self._action(menu, "shortcuts", "&Keyboard Shortcuts", self.show_shortcuts, "Ctrl+/")
        self._action(menu, "tips", "&Search Tips", self.show_search_tips, QKeySequence.StandardKey.HelpContents)
        menu.addSeparator()
        about = self._action(menu, "about", "&About Reframe", self.show_about)
        about.setMenuRole(QAction.MenuRole.AboutRole)

    # -- library ------------------------------------------------------------------------------------

    def find_duplicates(self) -> DuplicatesView:
        self.duplicates = open_duplicates(self.session, self.window, self.duplicates)
        return self.duplicates

    # -- view ---------------------------------------------------------------------------------------

    def set_sidebar(self, shown: bool, *, store: bool = True) -> None:
        panel = self.window.library_panel
        if not shown and panel.isAncestorOf(self.window.focusWidget()):
            self.window.search_bar.focus_field()  # the focus must not vanish with the panel
        panel.setVisible(shown)
        action = self.actions["sidebar"]
        action.blockSignals(True)
        action.setChecked(shown)
        action.blockSignals(False)
        if store:
            self.session.set_setting(SETTING_SIDEBAR, "1" if shown else "0")

    @property
    def sidebar_shown(self) -> bool:
        return self.actions["sidebar"].isChecked()

    def apply_theme(self, theme: str, *, store: bool = True) -> None:
        theme = theme if theme in THEMES else "system"
        self.theme.apply(theme)
        self.actions[f"theme-{theme}"].setChecked(True)
        if store:
            self.session.set_setting(SETTING_THEME, theme)

    # -- help ---------------------------------------------------------------------------------------

    def _show(self, name: str, make: object) -> QDialog:
        dialog = self.dialogs.get(name)
        if dialog is None or not _alive(dialog):
            dialog = make()  # type: ignore[operator]
            self.dialogs[name] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_shortcuts(self) -> QDialog:
        return self._show("shortcuts", lambda: shortcuts_dialog(self.window))

    def show_search_tips(self) -> QDialog:
        return self._show("tips", lambda: search_tips_dialog(self.window))

    def show_about(self) -> QDialog:
        return self._show("about", lambda: AboutDialog(self.session, self.window))

    # -- status and keys ----------------------------------------------------------------------------

    def show_status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, STATUS_MS)

    def focus_results(self) -> bool:
        """Move the focus from the search field to the results, the first photo selected (False: none shown)."""
        grid = self.window.grid
        if self.window.stack.currentWidget() is not grid or grid.model().rowCount() == 0:
            return False
        first = grid.model().index(0, 0)
        grid.setFocus(Qt.FocusReason.TabFocusReason)
        grid.selectionModel().setCurrentIndex(first, grid.selectionModel().SelectionFlag.ClearAndSelect)
        grid.scrollTo(first, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        ):
            completer = getattr(watched, "completer", lambda: None)()
            popup = completer.popup() if completer is not None else None
            if (popup is None or not popup.isVisible()) and self.focus_results():
                return True
        return False

    def stop(self) -> None:
        """Before the library closes: let a duplicate search or a move to the trash finish."""
        if self.duplicates is not None:
            self.duplicates.stop()


def _alive(widget: QObject) -> bool:
    from shiboken6 import isValid

    return isValid(widget)
