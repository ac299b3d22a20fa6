"""The filter bar above the grid: a capture-date range, folders and file kinds, shown as removable chips.

The filters apply to browsing and to every kind of search (:meth:`Session.set_filters`). Date quick picks:
This year, Last year, Last 12 months, each year the library has photos from, and a custom range
(a year range such as 2015 to 2018, or months and days). Clicking a folder in the library panel narrows
to it as well (:meth:`FilterBar.toggle_folder`). The choice is kept in the library's settings, so it is
still there after a relaunch, where its chips show it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.catalog.derived import KINDS
from desktop.errors import UsageError
from desktop.gui.session import Session
from desktop.gui.widgets import GAP, muted
from desktop.library import RootStatus
from desktop.search.filter_choice import (
    LAST_12_MONTHS,
    LAST_YEAR,
    QUICK_LABELS,
    RANGE,
    THIS_YEAR,
    DatePick,
    FilterChoice,
    folder_label,
)
from desktop.search.filters import Filters

SETTING_FILTERS = "gui.filters"
KIND_NAMES = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIC", "tiff": "TIFF", "webp": "WebP", "gif": "GIF", "bmp": "BMP"}
#: Years listed in the Date menu itself; older ones go in an "Earlier" submenu.
MENU_YEARS = 8
DATE_HINT = "a year (2015), a month (2015-06) or a day (2015-06-14)"


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind.upper())


class Chip(QFrame):
    """One active filter, with × to remove it."""

    removed = Signal()

    def __init__(self, kind: str, text: str, value: str = "", tooltip: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("filterChip")
        self.kind = kind  # "date" | "folder" | "kind"
        self.value = value
        self.label = QLabel(text)
        self.label.setObjectName("filterChipText")
        self.close_button = QToolButton()
        self.close_button.setObjectName("filterChipRemove")
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Remove this filter")
        self.close_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button.clicked.connect(self.removed.emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 1, 2, 1)
        row.setSpacing(2)
        row.addWidget(self.label)
        row.addWidget(self.close_button)
        self.setToolTip(tooltip or text)
        self.setStyleSheet(
            "#filterChip { border: 1px solid palette(mid); border-radius: 10px; background: palette(alternate-base); }"
            " #filterChipRemove { border: none; padding: 0 4px; font-weight: bold; }"
        )

    @property
    def text(self) -> str:
        return self.label.text()


class DateRangeDialog(QDialog):
    """From / To, each a year, a month or a day (inclusive); either may be left empty."""

    def __init__(self, pick: DatePick | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dateRangeDialog")
        self.setWindowTitle("Date Range")
        after, before = pick.bounds() if pick else (None, None)
        self.after = QLineEdit(after or "")
        self.before = QLineEdit(before or "")
        for field in (self.after, self.before):
            field.setPlaceholderText("e.g. 2015, 2015-06 or 2015-06-14")
            field.setClearButtonEnabled(True)
            field.textChanged.connect(self._check)
        self.after.setObjectName("dateFrom")
        self.before.setObjectName("dateTo")
        self.error = QLabel(" ")
        self.error.setObjectName("dateError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c8553d")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("From", self.after)
        form.addRow("To", self.before)
        layout = QVBoxLayout(self)
        explain = muted(QLabel(f"Photos taken from the start of the first to the end of the second: {DATE_HINT}."))
        explain.setWordWrap(True)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(420, self.sizeHint().height())
        self._check()

    def pick(self) -> DatePick | None:
        a, b = self.after.text().strip() or None, self.before.text().strip() or None
        return DatePick(after=a, before=b) if a or b else None

    def _check(self) -> None:
        problem = ""
        try:
            pick = self.pick()
            if pick is not None:
                Filters.parse(pick.after, pick.before)
        except UsageError as exc:  # the rule in our words: which field, and what it takes
            problem = exc.message.replace("--after", "From").replace("--before", "To")
            if "cannot read" in problem:
                problem += f": use {DATE_HINT}"
        self.error.setText(problem or " ")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problem)


class FilterBar(QWidget):
    """Date, Folder and Kind menus, then the active filters as chips."""

    filtersChanged = Signal(object)  # Filters

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self.session = session
        self.choice = FilterChoice()
        self.years: list[tuple[int, int]] = []
        self.date_button = self._menu_button("Date", "Show photos taken in a date range")
        self.folder_button = self._menu_button("Folder", "Show photos from some folders only")
        self.kind_button = self._menu_button("Kind", "Show some file kinds only")
        self.date_menu = self.date_button.menu()
        self.folder_menu = self.folder_button.menu()
        self.kind_menu = self.kind_button.menu()
        self.date_menu.aboutToShow.connect(self._fill_date_menu)
        self.folder_menu.aboutToShow.connect(self._fill_folder_menu)
        self.kind_menu.aboutToShow.connect(self._fill_kind_menu)
        self.clear_button = QToolButton()
        self.clear_button.setObjectName("clearFilters")
        self.clear_button.setText("Clear Filters")
        self.clear_button.setAutoRaise(True)
        self.clear_button.clicked.connect(self.clear)
        self.hint = muted(QLabel("All photos"))
        self.hint.setObjectName("filterHint")
        self.chips: list[Chip] = []
        self._chip_row = QHBoxLayout()
        self._chip_row.setSpacing(GAP // 2)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(GAP // 2)
        for button in (self.date_button, self.folder_button, self.kind_button):
            row.addWidget(button)
        row.addSpacing(GAP)
        row.addLayout(self._chip_row)
        row.addWidget(self.hint)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        self._made: dict[Filters, FilterChoice] = {}  # filters this bar put in force, and how they were picked
        session.rootsChanged.connect(self._on_roots)
        session.contentChanged.connect(self.refresh_years)
        session.searchStarted.connect(lambda query: self.follow(query.filters))
        self.restore()

    def _menu_button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(f"{text} ▾")
        button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")  # the ▾ says it
        button.setToolTip(tip)
        button.setObjectName(f"filter{text}")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setMenu(QMenu(button))
        return button

    # -- the choice -----------------------------------------------------------------------------------

    @property
    def filters(self) -> Filters:
        return self.choice.filters()

    def set_choice(self, choice: FilterChoice) -> None:
        """Show ``choice`` and apply it (to browsing or the search on screen); kept in the settings."""
        try:
            filters = choice.filters()
        except UsageError as exc:  # a custom range is checked in its dialog; this is a safety net
            self.window().statusBar().showMessage(exc.message, 6000)  # type: ignore[attr-defined]
            return
        if choice == self.choice:
            return
        self._made[filters] = choice  # how these filters were picked, should a trail turn bring them back
        self.choice = choice
        self._show_chips()
        self.session.set_setting(SETTING_FILTERS, json.dumps(choice.to_json()) if choice.active else None)
        self.filtersChanged.emit(filters)

    def set_date(self, pick: DatePick | None) -> None:
        self.set_choice(self.choice.with_date(pick))

    def set_folders(self, folders: Sequence[str]) -> None:
        self.set_choice(self.choice.with_folders(tuple(folders)))

    def toggle_folder(self, folder: str) -> None:
        """Narrow to ``folder`` alone (the library panel's click); the same click again shows all folders."""
        self.set_folders(() if self.choice.folders == (folder,) else (folder,))

    def remove_folder(self, folder: str) -> None:
        self.set_folders(tuple(f for f in self.choice.folders if f != folder))

    def set_kinds(self, kinds: Sequence[str]) -> None:
        self.set_choice(self.choice.with_kinds(tuple(kinds)))

    def clear(self) -> None:
        self.set_choice(FilterChoice())

    def follow(self, filters: Filters) -> None:
        """Show ``filters``, put in force elsewhere (a trail turn brought back), without running anything."""
        if filters == self.filters:
            return
        choice = self._made.get(filters) or FilterChoice.from_filters(filters)
        self.choice = choice
        self._show_chips()
        self.session.set_setting(SETTING_FILTERS, json.dumps(choice.to_json()) if choice.active else None)

    def restore(self) -> None:
        """The choice kept in the settings, put in force without running anything (before the first browse)."""
        raw = self.session.setting(SETTING_FILTERS)
        try:
            choice = FilterChoice.from_json(json.loads(raw)) if raw else FilterChoice()
        except ValueError:
            choice = FilterChoice()
        self.choice = choice
        self.session.filters = choice.filters()
        self._made[self.session.filters] = choice
        self._show_chips()

    # -- chips ----------------------------------------------------------------------------------------

    def _show_chips(self) -> None:
        for chip in self.chips:
            self._chip_row.removeWidget(chip)
            chip.hide()  # at once: deferred deletion waits for the event loop
            chip.deleteLater()
        self.chips = []
        c = self.choice
        if c.date is not None:
            after, before = c.date.bounds()
            span = f"{after or '…'} to {before or '…'}"
            self._add_chip("date", f"Date: {c.date.label()}", "", f"Photos taken {span}", lambda: self.set_date(None))
        for folder in c.folders:
            self._add_chip(
                "folder", f"Folder: {folder_label(folder)}", folder, folder, partial(self.remove_folder, folder)
            )
        if c.kinds:
            names = ", ".join(kind_name(k) for k in c.kinds)
            self._add_chip("kind", f"Kind: {names}", ",".join(c.kinds), "", lambda: self.set_kinds(()))
        self.hint.setVisible(not self.chips)
        self.clear_button.setVisible(len(self.chips) > 1)
        for button, on in ((self.date_button, c.date), (self.folder_button, c.folders), (self.kind_button, c.kinds)):
            font = button.font()
            font.setBold(bool(on))  # the menus that hold a filter stand out
            button.setFont(font)

    def _add_chip(self, kind: str, text: str, value: str, tooltip: str, remove: Callable[[], None]) -> None:
        chip = Chip(kind, text, value, tooltip)
        chip.removed.connect(remove)
        self._chip_row.addWidget(chip)
        self.chips.append(chip)

    # -- menus ----------------------------------------------------------------------------------------

    def _fill_date_menu(self) -> None:
        menu = self.date_menu
        menu.clear()
        group = QActionGroup(menu)
        current = self.choice.date

        def add(text: str, pick: DatePick | None, into: QMenu = menu) -> QAction:
            action = into.addAction(text)
            action.setCheckable(True)
            action.setChecked(pick == current)
            action.setActionGroup(group)
            action.triggered.connect(lambda: self.set_date(pick))
            return action

        add("Any Date", None)
        for kind in (THIS_YEAR, LAST_YEAR, LAST_12_MONTHS):
            add(QUICK_LABELS[kind].title(), DatePick(kind))
        if self.years:
            menu.addSection("Years with photos")
            earlier = None
            for i, (year, photos) in enumerate(self.years):
                text = f"{year}  ·  {photos:,} photo{'s' if photos != 1 else ''}"
                if i < MENU_YEARS:
                    add(text, DatePick.year(year))
                else:
                    earlier = earlier or menu.addMenu("Earlier")
                    add(text, DatePick.year(year), earlier)
        menu.addSeparator()
        custom = menu.addAction("Custom Range…")
        custom.setCheckable(True)
        listed = {DatePick.year(y) for y, _ in self.years}
        custom.setChecked(current is not None and current.kind == RANGE and current not in listed)
        custom.setActionGroup(group)
        custom.triggered.connect(self.choose_range)
        self.refresh_years()  # for the next time: indexing may have brought new years

    def choose_range(self) -> None:
        dialog = DateRangeDialog(self.choice.date, self)
        dialog.accepted.connect(lambda: self.set_date(dialog.pick()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _fill_folder_menu(self) -> None:
        menu = self.folder_menu
        menu.clear()
        chosen = set(self.choice.folders)
        every = menu.addAction("All Folders")
        every.setCheckable(True)
        every.setChecked(not chosen)
        every.triggered.connect(lambda: self.set_folders(()))
        roots = [r.path for r in self.session.roots]
        if roots:
            menu.addSection("Library folders")
        for path in [*roots, *(f for f in self.choice.folders if f not in roots)]:
            action = menu.addAction(folder_label(path))
            action.setToolTip(path)
            action.setCheckable(True)
            action.setChecked(path in chosen)
            action.triggered.connect(lambda on, p=path: self._toggle_in(p, on))
        menu.addSeparator()
        pick = menu.addAction("Choose a Folder…")
        pick.triggered.connect(self.choose_folder)
        menu.setToolTipsVisible(True)

    def _toggle_in(self, folder: str, on: bool) -> None:
        folders = [f for f in self.choice.folders if f != folder]
        self.set_folders([*folders, folder] if on else folders)

    def choose_folder(self) -> None:
        roots = self.session.roots
        start = self.choice.folders[0] if self.choice.folders else roots[0].path if roots else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Show photos from a folder", start)
        if folder:
            self.set_folders((*self.choice.folders, str(Path(folder).resolve())))

    def _fill_kind_menu(self) -> None:
        menu = self.kind_menu
        menu.clear()
        chosen = set(self.choice.kinds)
        every = menu.addAction("All Kinds")
        every.setCheckable(True)
        every.setChecked(not chosen)
        every.triggered.connect(lambda: self.set_kinds(()))
        menu.addSeparator()
        for kind in sorted(KINDS, key=kind_name):
            action = menu.addAction(kind_name(kind))
            action.setCheckable(True)
            action.setChecked(kind in chosen)
            action.triggered.connect(
                lambda on, k=kind: self.set_kinds(sorted((chosen | {k}) if on else (chosen - {k})))
            )

    # -- library --------------------------------------------------------------------------------------

    def refresh_years(self) -> None:
        self.session.read_years(self._set_years)

    def _set_years(self, years: list[tuple[int, int]]) -> None:
        self.years = years

    def _on_roots(self, roots: Sequence[RootStatus]) -> None:
        """Read the years again; a folder filter outside every library folder (one removed) goes."""
        self.refresh_years()
        paths = [r.path.rstrip(os.sep) for r in roots]
        kept = tuple(f for f in self.choice.folders if any(f == p or f.startswith(p + os.sep) for p in paths))
        if kept != self.choice.folders:
            self.set_folders(kept)
