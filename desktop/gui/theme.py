"""Light and dark: View › Theme › System, Light or Dark, kept in the library's settings.

"System" follows the desktop's colour scheme (Qt 6.5+ ``QStyleHints.colorScheme``, and its
``colorSchemeChanged`` while the app runs). On Qt 6.8+ the choice is also handed to the platform
(``QStyleHints.setColorScheme``), so native styles draw it themselves where they can. Where the platform
does not give the wanted scheme (most Linux desktops, an old Qt), the app's palette is set to one of
ours, on the Fusion style, which draws every control from the palette.

Labels made secondary with :func:`desktop.gui.widgets.muted` carry their own text colour; it is worked out
again from the new palette whenever the theme changes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QStyleFactory

from desktop import log
from desktop.gui.widgets import MUTED_PROPERTY, recolour_muted

_log = log.get("gui.theme")

SYSTEM, LIGHT, DARK = "system", "light", "dark"
THEMES = (SYSTEM, LIGHT, DARK)
THEME_NAMES = {SYSTEM: "System", LIGHT: "Light", DARK: "Dark"}
SETTING_THEME = "gui.theme"

_R = QPalette.ColorRole
_G = QPalette.ColorGroup


def is_dark(palette: QPalette) -> bool:
    return palette.color(_R.Window).lightness() < 128


def dark_palette() -> QPalette:
    p = QPalette()
    text, dim = QColor("#e4e4e4"), QColor("#7d7d7d")
    for role, colour in (
        (_R.Window, "#2a2a2c"),
        (_R.WindowText, text),
        (_R.Base, "#1d1d1f"),
        (_R.AlternateBase, "#262628"),
        (_R.ToolTipBase, "#3a3a3c"),
        (_R.ToolTipText, text),
        (_R.Text, text),
        (_R.Button, "#343436"),
        (_R.ButtonText, text),
        (_R.BrightText, "#ff7a6b"),
        (_R.Light, "#505052"),
        (_R.Midlight, "#404042"),
        (_R.Mid, "#5a5a5d"),
        (_R.Dark, "#18181a"),
        (_R.Shadow, "#000000"),
        (_R.Highlight, "#2f7fd8"),
        (_R.HighlightedText, "#ffffff"),
        (_R.Link, "#6cb0ff"),
        (_R.LinkVisited, "#b597ff"),
        (_R.PlaceholderText, QColor(228, 228, 228, 128)),
    ):
        p.setColor(role, QColor(colour))
    for role in (_R.WindowText, _R.Text, _R.ButtonText):
        p.setColor(_G.Disabled, role, dim)
    p.setColor(_G.Disabled, _R.Highlight, QColor("#4a4a4c"))
    p.setColor(_G.Disabled, _R.PlaceholderText, QColor(228, 228, 228, 70))
    return p


def light_palette() -> QPalette:
    style = QStyleFactory.create("Fusion")
    return style.standardPalette() if style is not None else QPalette()


class ThemeManager(QObject):
    """Applies the chosen theme to the application (one per application)."""

    changed = Signal(str)  # the choice: SYSTEM | LIGHT | DARK

    def __init__(self, app: QApplication) -> None:
        super().__init__()
        self.app = app
        self.choice = SYSTEM
        self._custom = False  # whether the palette in use is one of ours
        self._style: str | None = None  # the style replaced by Fusion for our palette
        hints = app.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._system_changed)

    @property
    def dark(self) -> bool:
        """Whether the app is drawn dark now."""
        return is_dark(self.app.palette())

    def system_dark(self) -> bool:
        hints = self.app.styleHints()
        return hasattr(hints, "colorScheme") and hints.colorScheme() == Qt.ColorScheme.Dark

    def apply(self, choice: str) -> None:
        choice = choice if choice in THEMES else SYSTEM
        self.choice = choice
        app, hints = self.app, self.app.styleHints()
        if hasattr(hints, "setColorScheme"):  # Qt 6.8+: the platform draws the scheme where it can
            hints.setColorScheme(
                {LIGHT: Qt.ColorScheme.Light, DARK: Qt.ColorScheme.Dark}.get(choice, Qt.ColorScheme.Unknown)
            )
        if self._custom:  # back to the platform's own colours, then see whether they will do
            if self._style is not None:
                app.setStyle(self._style)
                self._style = None
            app.setPalette(QPalette())
            self._custom = False
        want_dark = choice == DARK or (choice == SYSTEM and self.system_dark())
        if want_dark != is_dark(app.palette()):
            if want_dark and app.style().name().lower() != "fusion":
                self._style = app.style().name()
                app.setStyle("Fusion")  # native styles draw many parts without the palette
            app.setPalette(dark_palette() if want_dark else light_palette())
            self._custom = True
        self._recolour()
        _log.info("theme %s (%s)", choice, "dark" if self.dark else "light")
        self.changed.emit(choice)

    def _system_changed(self, _scheme: object) -> None:
        if self.choice == SYSTEM:
            self.apply(SYSTEM)

    def _recolour(self) -> None:
        """What keeps colours of its own: muted labels, and widgets with a style sheet of their own (Qt works
        out their colours, palette() ones included, when the sheet is set, and setting the same sheet again does
        nothing: a filter button's one-line sheet kept it light in the dark theme)."""
        for widget in self.app.allWidgets():
            if isinstance(widget, QLabel) and widget.property(MUTED_PROPERTY):
                recolour_muted(widget)
            sheet = widget.styleSheet()
            if sheet:
                widget.setStyleSheet("")
                widget.setStyleSheet(sheet)


_manager: ThemeManager | None = None


def manager() -> ThemeManager:
    """The application's theme manager (made on first use; needs the QApplication)."""
    global _manager
    app = QApplication.instance()
    assert isinstance(app, QApplication), "the theme needs the QApplication"
    if _manager is None or _manager.app is not app:
        _manager = ThemeManager(app)
    return _manager
