"""The Help menu's pages: Keyboard Shortcuts (read from the window's own actions, so it lists the keys that
really work), Search Tips (how to write a query), and About (versions and the model in use)."""

from __future__ import annotations

import html

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.session import READY, UNAVAILABLE, Session
from desktop.gui.widgets import GAP, MARGIN, heading, muted
from desktop.versions import versions

#: Keys handled in code rather than by an action with a shortcut: (where, what, keys).
KEYS_IN_CODE: tuple[tuple[str, str, str], ...] = (
    ("Search field", "Search now (typing searches after a pause)", "Return"),
    ("Search field", "Move to the results, first photo selected", "Down"),
    ("Results", "Move between photos (Shift extends the selection)", "Arrow keys"),
    ("Results", "Select photos one by one", "Ctrl+Click"),
)

SEARCH_TIPS_HTML = """
<h2>Describe what you see</h2>
<p>Type what the photo shows, as you would tell a friend: <code>a dog running on a beach</code>,
<code>red umbrella in the rain</code>, <code>birthday cake with candles</code>. Whole phrases work better
than lists of keywords; the results follow as you type.</p>

<h2>Leave things out</h2>
<p>Put a minus in front of a word to push photos with it away: <code>beach -people</code>. For more than
one word, quote the phrase: <code>mountain lake -"cloudy sky"</code>. The field shows each negative
struck through, so you can see how it was read.</p>

<h2>Several things at once</h2>
<p>Words in a row are one description. Quotes make a phrase a term of its own:
<code>"red car" "blue sky"</code> looks for both. A hyphen inside a word, as in
<code>black-and-white</code>, is just text.</p>

<h2>Weigh what matters most</h2>
<p>Put a number and a colon before a word or a quoted phrase to make it count more (or less) than the
rest: <code>2:sunset beach</code> counts “sunset” twice as much as “beach”;
<code>0.5:"blue sky"</code> counts the phrase half. A weight is a positive number; text that really starts
with a number and a colon needs <code>1:</code> in front.</p>

<h2>Search by example</h2>
<p>Drop a photo on the box at the top left (or paste one with Ctrl+V, or right-click a result and choose
<i>Use as Reference</i>) and leave the text empty: the results are the photos most like it.
<i>More Like This</i> on a result does the same in one step.</p>

<h2>A photo, but changed</h2>
<p>With a reference photo in the box, type the change: <code>make the sky darker</code>,
<code>the same dog in the snow</code>, <code>make the square red</code>. Reframe composes the photo and the
change into one search (with the model's Combiner when it has one). Negatives work here too:
<code>at night -"street lights"</code>.</p>

<h2>Clearing</h2>
<p>Escape clears the text first, then the reference photo, one press each; the × on the reference box
removes the photo alone.</p>
"""


def _plain(text: str) -> str:
    """A menu text as a name: without the mnemonic ampersand and the trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").rstrip(".").strip()


def _keys(sequences: list[QKeySequence]) -> str:
    shown = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences if not s.isEmpty()]
    return " or ".join(dict.fromkeys(shown))


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """``(section, action, keys)`` for every action of the window with a shortcut: the menus' (each under its
    menu), the results grid's, the window's own shortcuts that say what they do, and :data:`KEYS_IN_CODE`."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def add(section: str, action: QAction) -> None:
        keys = _keys(action.shortcuts())
        if keys and id(action) not in seen and action.isVisible():
            seen.add(id(action))
            rows.append((section, _plain(action.text()), keys))

    def walk(menu: QMenu, section: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, section)
            elif not action.isSeparator():
                add(section, action)

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, _plain(top.text()))
    grid = window.findChild(QWidget, "results")
    if grid is not None:
        for action in grid.actions():
            add("Results", action)
    for shortcut in window.findChildren(QShortcut):
        if shortcut.whatsThis() and shortcut.isEnabled():
            rows.append(("Anywhere", shortcut.whatsThis(), _keys([shortcut.key()])))
    rows.extend(KEYS_IN_CODE)
    return rows


def _browser(page: str) -> QTextBrowser:
    browser = QTextBrowser()
    browser.setOpenExternalLinks(False)
    browser.setFrameShape(QTextBrowser.Shape.NoFrame)
    browser.setHtml(page)
    return browser


def _dialog(parent: QWidget, name: str, title: str, body: QWidget, size: tuple[int, int]) -> QDialog:
    dialog = QDialog(parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
    layout.addWidget(body, 1)
    layout.addWidget(buttons)
    dialog.resize(*size)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog


def shortcuts_dialog(window: QMainWindow) -> QDialog:
    sections: dict[str, list[tuple[str, str]]] = {}
    for section, action, keys in shortcut_rows(window):
        sections.setdefault(section, []).append((action, keys))
    parts = []
    for section, rows in sections.items():
        cells = "".join(
            f"<tr><td style='padding:2px 24px 2px 0'>{html.escape(a)}</td><td><b>{html.escape(k)}</b></td></tr>"
            for a, k in rows
        )
        parts.append(f"<h3>{html.escape(section)}</h3><table>{cells}</table>")
    browser = _browser("".join(parts))
    browser.setObjectName("shortcutList")
    return _dialog(window, "shortcuts", "Keyboard Shortcuts", browser, (520, 620))


def search_tips_dialog(parent: QWidget) -> QDialog:
    browser = _browser(SEARCH_TIPS_HTML)
    browser.setObjectName("searchTips")
    return _dialog(parent, "searchTipsDialog", "Search Tips", browser, (640, 720))


def about_rows(session: Session) -> list[tuple[str, str]]:
    """What About lists: the model in use, then the versions of everything that runs it."""
    from desktop.gui.status import DEVICE_NAMES, runtime
    from desktop.models.registry import get_spec

    rows: list[tuple[str, str]] = []
    if session.model_name:
        try:
            description = get_spec(session.model_name).description
        except Exception:  # a model no longer registered: its name alone
            description = ""
        rows.append(("Model", session.model_name + (f" — {description}" if description else "")))
        if session.model_state == READY:
            rows.append(("Runs on", runtime(session.backend, session.precision) or "the built-in test encoder"))
            if session.device and session.device != "n/a":
                rows.append(("Device", DEVICE_NAMES.get(session.device, session.device)))
        elif session.model_state == UNAVAILABLE:
            rows.append(("Runs on", "not loaded: the model is not available"))
        else:
            rows.append(("Runs on", runtime(session.backend, session.precision) + " (loading)"))
    if session.library is not None:
        rows.append(("Library", str(session.library.paths.root)))
    found = versions()
    rows.extend(found[:2])
    rows.append(("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"))
    rows.extend(found[2:])
    return rows


class AboutDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about")
        self.setWindowTitle("About Reframe")
        self.rows = about_rows(session)
        title = heading("Reframe", scale=1.6)
        tagline = muted(
            QLabel("Search your photos by describing them, by example, or by example plus a change."), smaller=False
        )
        tagline.setWordWrap(True)
        cells = "".join(
            f"<tr><td style='padding:1px 16px 1px 0'><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
            for k, v in self.rows
        )
        self.table = QLabel(f"<table>{cells}</table>")
        self.table.setObjectName("aboutVersions")
        self.table.setTextFormat(Qt.TextFormat.RichText)
        self.table.setWordWrap(True)
        self.table.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        private = muted(QLabel("Everything runs on this computer: no photo, query or index leaves it."))
        private.setWordWrap(True)
        copy = QPushButton("Copy Versions")
        copy.setObjectName("copyVersions")
        copy.setToolTip("Copy this list, to paste into a bug report")
        copy.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN * 2, MARGIN * 2, MARGIN * 2, MARGIN)
        layout.setSpacing(GAP)
        layout.addWidget(title)
        layout.addWidget(tagline)
        layout.addSpacing(GAP)
        layout.addWidget(self.table)
        layout.addSpacing(GAP)
        layout.addWidget(private)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.rows)

    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.text())
