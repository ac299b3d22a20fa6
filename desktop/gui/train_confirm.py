"""Asking before training a Combiner for a model that already has one (shipped, or trained before)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.gui.session import Session


def existing_combiner(session: Session) -> Path | None:
    """The Combiner the active model uses now, if any (the library's own first, then a shipped one)."""
    lib = session.library
    if lib is None:
        return None
    from desktop.compose.weights import default_search_dirs, find_combiner

    return find_combiner(lib.model_name, default_search_dirs(lib.paths.combiners))


def start_training(session: Session, parent: QWidget) -> QMessageBox | None:
    """Train the active model's Combiner; where one exists, only after the user says so. Returns the
    question when one was asked (None: training started, or nothing to train)."""
    training = session.combiner_training
    lib = session.library
    if lib is None or training.running:
        return None
    existing = existing_combiner(session)
    if existing is None:
        training.start()
        return None
    model = lib.model_name
    if existing.is_relative_to(lib.paths.combiners):
        when = time.strftime("%d %B %Y", time.localtime(existing.stat().st_mtime))
        detail = (
            f"One was trained in this library on {when}. A new run replaces it when it finishes; until then "
            "composed search keeps using it."
        )
    else:
        detail = (
            "Reframe ships one for it. A Combiner trained here is used instead of the shipped one once it is "
            "ready; until then composed search keeps using the shipped one."
        )
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Train Combiner",
        f"{model} already has a Combiner. Train a new one?",
        QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("confirmTrain")
    box.setInformativeText(f"{detail}\n\nTraining takes tens of minutes on a CPU, a few on a GPU.")
    train = box.addButton("Train a New One", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)

    def clicked(button: object) -> None:
        if button is train:
            training.start()

    box.buttonClicked.connect(clicked)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
