"""The Qt binding must keep Python's reference counts right, or the app aborts after a while of use.

PySide6 6.12.0 returns ``None`` from void methods (``update()``, ``processEvents()``, every ``QPainter``
call) without taking a reference on it. On Python 3.12+ ``None`` is immortal and nothing shows; on 3.11
its count runs down with every call until the interpreter aborts with "none_dealloc" — minutes into a
session of scrolling and searching. pyproject.toml excludes that release; this test catches any binding
that has the bug, whatever pip picked.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

CALLS = 250  # few enough that the broken binding fails the test rather than abort it


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12: nothing to lose")
def test_void_methods_keep_none_alive(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(CALLS):
            widget.update()
            painter.save()
            painter.restore()
            QCoreApplication.processEvents()
        lost = before - sys.getrefcount(None)
    finally:
        painter.end()
    # A correct binding loses nothing; the broken one loses one reference per call (1,000 here). A few
    # references may come and go with Qt's own housekeeping.
    assert lost < CALLS // 10, f"{lost} references to None lost in {4 * CALLS} calls: a broken Qt binding"
