"""The demo on a computer without the default model, and a warning for real photos on the demo model.

"Try the Demo Library" builds the demo's shapes photos and adds them as a folder. Offline on a first run the
configured model (the default CLIP) cannot be had, and the demo would sit at "0 photos" with every search
failing: so when that model is unavailable (now, or once its loading fails), this session switches to the
bundled ``shapes-tiny``, for this session only (the library's model stays what it was), and says that
shapes-tiny only understands the synthetic shapes.

Whatever the reason shapes-tiny is in use, a library holding photos from outside the demo gets a visible
warning above the results: that model's results for real photos are meaningless.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QWidget

from desktop import log
from desktop.errors import ModelUnavailable
from desktop.gui.session import READY, UNAVAILABLE, Session
from desktop.gui.widgets import GAP
from desktop.shapes.demo import DEMO_MODEL, is_demo_folder

_log = log.get("gui.demo")

SHAPES_ONLY = (
    "shapes-tiny only understands the demo's synthetic scenes (circles, squares, triangles and stars in plain "
    "colours), not real photos"
)
INFO, WARNING = "info", "warning"
_STYLE = {
    INFO: "#modelNotice { background: rgba(47, 127, 216, 0.14); border: 1px solid rgba(47, 127, 216, 0.55);"
    " border-radius: 6px; }",
    WARNING: "#modelNotice { background: rgba(208, 138, 31, 0.18); border: 1px solid rgba(208, 138, 31, 0.75);"
    " border-radius: 6px; }",
}


class ModelNotice(QFrame):
    """A line above the results about the model in use; its link opens Settings."""

    settingsRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelNotice")
        self.kind = ""
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setObjectName("modelNoticeText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.text.linkActivated.connect(lambda _link: self.settingsRequested.emit())
        row = QHBoxLayout(self)
        row.setContentsMargins(GAP + 2, GAP - 2, GAP + 2, GAP - 2)
        row.setSpacing(GAP)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)
        self.hide()

    def show_notice(self, kind: str, html: str) -> None:
        self.kind = kind
        self.icon.setText("⚠" if kind == WARNING else "ℹ")
        self.text.setText(html)
        self.setStyleSheet(_STYLE[kind])
        self.show()

    def clear(self) -> None:
        self.kind = ""
        self.text.setText("")
        self.hide()


class DemoMode(QObject):
    """Runs "Try the Demo Library" and keeps the notice above the results up to date."""

    switched = Signal(str)  # the model the demo model replaced for this session

    def __init__(self, window: QMainWindow, session: Session, notice: ModelNotice) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.notice = notice
        self.requested = False  # the demo was asked for while the configured model's fate was unknown
        self.replaced: str | None = None  # the unavailable model the demo model stands in for
        self._build_after_switch = False
        session.modelUnavailable.connect(self._on_unavailable)
        session.modelStateChanged.connect(self._on_state)
        session.reopened.connect(self._on_reopened)
        session.rootsChanged.connect(lambda _roots: self.update_notice())
        session.modelStateChanged.connect(lambda _state: self.update_notice())

    def start(self) -> None:
        """Build the demo library and add it; on the demo model if the configured one is unavailable."""
        s = self.session
        if s.model_name != DEMO_MODEL and s.model_state == UNAVAILABLE:
            self._build_after_switch = True
            self._switch()
            return
        self.requested = s.model_name != DEMO_MODEL and s.model_state != READY
        s.setup_demo()

    # -- switching ----------------------------------------------------------------------------------

    def _on_unavailable(self, _error: ModelUnavailable) -> None:
        if self.requested and self.session.model_name != DEMO_MODEL:
            self._switch()

    def _on_state(self, state: str) -> None:
        if state == READY and self.session.model_name != DEMO_MODEL:
            self.requested = False  # the configured model works: the demo runs on it

    def _switch(self) -> None:
        s = self.session
        self.requested = False
        self.replaced = s.model_name
        _log.info("%s is not available: the demo uses %s for this session", s.model_name, DEMO_MODEL)
        dialog = getattr(self.window, "model_dialog", None)
        if dialog is not None and dialog.isVisible():
            dialog.reject()  # the demo needs nothing from it now
        s.reopen(model=DEMO_MODEL)
        self.switched.emit(self.replaced)

    def _on_reopened(self) -> None:
        lib = self.session.library
        if lib is None or self.replaced is None:
            return
        if lib.model_name != DEMO_MODEL:
            self.replaced = None  # another model was chosen since
            return
        lib.remember_model = False  # for this session: the library's model stays what it was
        self.window.statusBar().showMessage(f"Using the demo model: {SHAPES_ONLY}.", 15000)
        if self._build_after_switch:
            self._build_after_switch = False
            self.session.setup_demo()
        self.update_notice()

    # -- the notice ---------------------------------------------------------------------------------

    def real_photo_folders(self) -> list[str]:
        """Folders with photos that are not the demo's."""
        found = []
        for root in self.session.roots:
            photos = sum(root.counts.get(k, 0) for k in ("indexed", "pending"))
            if root.state == "ok" and photos and not is_demo_folder(root.path):
                found.append(root.path)
        return found

    def update_notice(self) -> None:
        s = self.session
        if s.model_name != DEMO_MODEL or s.library is None:
            self.notice.clear()
            return
        real = self.real_photo_folders()
        link = "<a href='settings'>Choose a real model in Settings…</a>"
        if real:
            where = os.path.basename(real[0].rstrip("/\\")) or real[0]
            more = f" and {len(real) - 1} more folder{'s' if len(real) > 2 else ''}" if len(real) > 1 else ""
            self.notice.show_notice(
                WARNING,
                f"<b>The results for your own photos are meaningless.</b> This library has photos from outside "
                f"the demo (in {where}{more}), and the model in use is the demo model: {SHAPES_ONLY}. {link}",
            )
        elif self.replaced is not None:
            self.notice.show_notice(
                INFO,
                f"<b>Demo model for this session.</b> {self.replaced} is not available, so Reframe uses the "
                f"bundled demo model: {SHAPES_ONLY}. {link}",
            )
        else:
            self.notice.clear()
