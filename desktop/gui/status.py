"""The status bar: model, backend, precision and device; library size; how many photos are selected;
indexing state."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from desktop.gui.indexer import INDEXING, PAUSED
from desktop.gui.session import LOADING, READY, Session
from desktop.gui.settings import BACKEND_NAMES
from desktop.library import IndexProgress

DEVICE_NAMES = {"cuda": "CUDA", "mps": "MPS", "cpu": "CPU"}


class StatusBar(QStatusBar):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = QLabel()
        self.model.setObjectName("statusModel")
        self.library_size = QLabel()
        self.library_size.setObjectName("statusSize")
        self.indexing = QLabel()
        self.indexing.setObjectName("statusIndexing")
        self.selection = QLabel()
        self.selection.setObjectName("statusSelection")
        self.training = QLabel()
        self.training.setObjectName("statusTraining")
        self.training.hide()
        for label in (self.model, self.library_size, self.selection, self.training, self.indexing):
            label.setContentsMargins(6, 0, 6, 0)
        self.addWidget(self.model)
        self.addWidget(self.library_size)
        self.addWidget(self.selection)
        self.addPermanentWidget(self.training)
        self.addPermanentWidget(self.indexing)
        session.combiner_training.changed.connect(self.show_training)
        session.modelStateChanged.connect(lambda _: self.show_model())
        session.reopened.connect(self.show_model)
        session.rootsChanged.connect(lambda _: self.show_size())
        session.indexer.stateChanged.connect(self.show_indexing)
        session.indexer.progress.connect(self.show_progress)
        self.show_model()
        self.show_size()
        self.show_indexing(session.indexer.state)

    def show_model(self) -> None:
        s = self.session
        if s.model_state == LOADING:
            text = f"Loading model {s.model_name}…" if s.model_name else "Loading model…"
        elif s.model_state == READY:
            device = DEVICE_NAMES.get(s.device or "", s.device or "")
            parts = [f"Model: {s.model_name}", runtime(s.backend, s.precision), device if device != "n/a" else ""]
            text = " · ".join(p for p in parts if p)
        else:
            text = f"Model {s.model_name} not available"
        self.model.setText(text)

    def show_size(self) -> None:
        n = self.session.library_size
        folders = len(self.session.roots)
        self.library_size.setText(
            f"{n:,} photo{'s' if n != 1 else ''} in {folders} folder{'s' if folders != 1 else ''}"
        )

    def show_selection(self, n: int) -> None:
        """ "5 selected" (nothing when none is)."""
        self.selection.setText(f"{n:,} selected" if n else "")
        self.selection.setVisible(n > 0)

    def show_training(self) -> None:
        training = self.session.combiner_training
        if training.running:
            self.training.setText(f"Training Combiner: {training.step}")
        self.training.setVisible(training.running)

    def show_indexing(self, state: str) -> None:
        if state == PAUSED:
            self.indexing.setText("Indexing paused")
        elif state == INDEXING:
            self.indexing.setText("Indexing…")
        else:
            self.indexing.setText("Up to date" if self.session.roots else "")

    def show_progress(self, p: IndexProgress) -> None:
        if p.phase == "encoding" and p.total:
            self.indexing.setText(f"Indexing {100 * p.done // p.total}%")
        elif p.phase == "scanning":
            self.indexing.setText("Looking for changes…")


def runtime(backend: str, precision: str) -> str:
    """ "ONNX Runtime fp32", "ONNX Runtime int8", "PyTorch", "PyTorch fp16-autocast" ("" for the test encoder).

    PyTorch's fp32 goes unsaid: it is the only precision it runs on a CPU, and the plain word reads better.
    """
    name = BACKEND_NAMES.get(backend)
    if name is None:
        return ""
    return name if backend == "torch" and precision == "fp32" else f"{name} {precision}".strip()
