"""Settings: the model, the device, backend and precision, thumbnail size and cache, how many results, folders to
leave out.

Values live in the library (its settings table), so they travel with it. The dialog only collects them;
the window applies them through the session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.widgets import GAP, MARGIN, muted
from desktop.models.backend import TORCH_EXTRA, torch_installed
from desktop.models.registry import ModelSpec, available_models

DEVICES = (("Automatic", ""), ("CPU", "cpu"), ("CUDA (NVIDIA GPU)", "cuda"), ("MPS (Apple GPU)", "mps"))
GPU_DEVICES = ("cuda", "mps")  # only PyTorch runs on these (see desktop/models/backend.py)
BACKENDS = (("Automatic", ""), ("ONNX Runtime", "onnx"), ("PyTorch", "torch"))
BACKEND_NAMES = {"onnx": "ONNX Runtime", "torch": "PyTorch"}
PRECISIONS = (("fp32 (exact)", "fp32"), ("int8 (faster, ONNX Runtime only)", "int8"))
NEEDS_TORCH = f"Needs PyTorch, which is not installed. Install it with: {TORCH_EXTRA}"
BACKEND_TIP = "What runs the model. Automatic picks ONNX Runtime on a CPU and PyTorch on a GPU when it is installed."
PRECISION_TIP = "int8 runs the model quantised on ONNX Runtime: faster on a CPU, with slightly different results."


@dataclass
class Settings:
    model: str
    device: str = ""  # "" = automatic
    backend: str = ""  # "" = automatic, "onnx", "torch"
    precision: str = "fp32"  # "int8" only with the "onnx" backend
    thumbnail_size: int = 160
    thumbnail_cache_mb: int = 1024  # the thumbnails kept on disk, least recently used dropped first
    results: int = 500
    excluded: list[str] = field(default_factory=list)


STATUS_WORDS = {"bundled": "included", "downloaded": "downloaded", "missing": "not downloaded"}


def model_size(spec: ModelSpec) -> int | None:
    """The weights' size in bytes: the registry's figure, or the bundled file's."""
    if spec.size_bytes:
        return spec.size_bytes
    if spec.bundled_dir is not None:
        try:
            return (spec.bundled_dir / "model.safetensors").stat().st_size
        except OSError:
            return None
    return None


def size_text(n: int | None) -> str:
    """Decimal units, as download sizes are given (and the registry's descriptions say)."""
    if not n:
        return ""
    if n >= 1_000_000_000:
        return f"{n / 1e9:.1f} GB"
    if n >= 1_000_000:
        return f"{n / 1e6:.0f} MB"
    return f"{max(1, n // 1000)} KB"


def model_label(spec: ModelSpec, status: str | None) -> str:
    """ "ViT-B-32/laion2b_s34b_b79k · 577 MB · downloaded" """
    parts = [spec.name, size_text(model_size(spec)), STATUS_WORDS.get(status or "", "")]
    return " · ".join(p for p in parts if p)


def model_detail(spec: ModelSpec, status: str | None) -> str:
    """The description under the list: what the model is for, and whether choosing it downloads anything."""
    size = size_text(model_size(spec))
    if status == "missing":
        where = f"It is downloaded ({size}) the first time it is used." if size else "It is downloaded first."
    elif status == "downloaded":
        where = "Downloaded: works offline."
    elif status == "bundled":
        where = "Included with Reframe: works offline."
    else:
        where = ""
    return f"{spec.description} {where}".strip()


class SettingsDialog(QDialog):
    def __init__(
        self, current: Settings, parent: QWidget | None = None, model_status: Callable[[str], str] | None = None
    ) -> None:
        """``model_status(name)``: ``"bundled"``, ``"downloaded"`` or ``"missing"`` (see
        :func:`desktop.models.loader.weights_status`); without it the list does not say."""
        super().__init__(parent)
        self.setObjectName("settings")
        self.setWindowTitle("Settings")
        self.model = QComboBox()
        self.model.setObjectName("model")
        self._details: dict[str, str] = {}
        for spec in available_models():
            status = _status(model_status, spec.name)
            self.model.addItem(model_label(spec, status), spec.name)
            self._details[spec.name] = model_detail(spec, status)
            self.model.setItemData(self.model.count() - 1, self._details[spec.name], Qt.ItemDataRole.ToolTipRole)
        if self.model.findData(current.model) < 0:
            self.model.addItem(current.model, current.model)
        self.model.setCurrentIndex(self.model.findData(current.model))
        self.model_detail = muted(QLabel(), smaller=False)
        self.model_detail.setObjectName("modelDetail")
        self.model_detail.setWordWrap(True)
        self.model.currentIndexChanged.connect(lambda _: self._show_detail())
        self._show_detail()
        self.device = QComboBox()
        for label, value in DEVICES:
            self.device.addItem(label, value)
        self.device.setCurrentIndex(max(0, self.device.findData(current.device)))
        self.backend = QComboBox()
        self.backend.setObjectName("backend")
        self._has_torch = torch_installed()  # read from the installed packages: imports no torch
        self.backend.setToolTip(BACKEND_TIP if self._has_torch else f"{BACKEND_TIP}\n\n{NEEDS_TORCH}")
        for label, value in BACKENDS:
            self.backend.addItem(label, value)
        self.backend.setCurrentIndex(max(0, self.backend.findData(current.backend)))
        self.precision = QComboBox()
        self.precision.setObjectName("precision")
        self.precision.setToolTip(PRECISION_TIP)
        for label, value in PRECISIONS:
            self.precision.addItem(label, value)
        self.precision.setCurrentIndex(max(0, self.precision.findData(current.precision)))
        self.backend.currentIndexChanged.connect(lambda _: self._update_choices())
        self._update_choices()
        self.thumbs = QSpinBox()
        self.thumbs.setRange(96, 384)
        self.thumbs.setSingleStep(32)
        self.thumbs.setSuffix(" px")
        self.thumbs.setValue(current.thumbnail_size)
        self.thumb_cache = QSpinBox()
        self.thumb_cache.setObjectName("thumbnail-cache")
        self.thumb_cache.setRange(64, 1 << 20)
        self.thumb_cache.setSingleStep(256)
        self.thumb_cache.setSuffix(" MB")
        self.thumb_cache.setToolTip(
            "Disk space for thumbnails. Past it, the ones shown least recently are deleted (they are made again"
            " when needed); your photos are never touched."
        )
        self.thumb_cache.setValue(current.thumbnail_cache_mb)
        self.results = QSpinBox()
        self.results.setRange(20, 10000)
        self.results.setSingleStep(100)
        self.results.setValue(current.results)
        self.excluded = QListWidget()
        self.excluded.addItems(current.excluded)
        self.excluded.setMinimumHeight(90)
        add = QPushButton("Add…")
        add.clicked.connect(self._add_excluded)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_excluded)
        ex_buttons = QVBoxLayout()
        ex_buttons.addWidget(add)
        ex_buttons.addWidget(remove)
        ex_buttons.addStretch(1)
        ex_row = QHBoxLayout()
        ex_row.addWidget(self.excluded, 1)
        ex_row.addLayout(ex_buttons)

        form = QFormLayout()
        form.setSpacing(GAP)
        form.addRow("Model:", self.model)
        form.addRow("", self.model_detail)
        form.addRow("Device:", self.device)
        form.addRow("Backend:", self.backend)
        form.addRow("Precision:", self.precision)
        form.addRow("Thumbnail size:", self.thumbs)
        form.addRow("Thumbnail cache:", self.thumb_cache)
        form.addRow("Results per search:", self.results)
        form.addRow("Excluded folders:", ex_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def value(self) -> Settings:
        return Settings(
            model=self.model.currentData(),
            device=self.device.currentData(),
            backend=self.backend.currentData(),
            precision=self.precision.currentData(),
            thumbnail_size=self.thumbs.value(),
            thumbnail_cache_mb=self.thumb_cache.value(),
            results=self.results.value(),
            excluded=[self.excluded.item(i).text() for i in range(self.excluded.count())],
        )

    def _show_detail(self) -> None:
        self.model_detail.setText(self._details.get(self.model.currentData(), ""))

    def _update_choices(self) -> None:
        """Offer only what can run: the engine refuses the rest (PyTorch not installed, int8 on PyTorch,
        a GPU device on ONNX Runtime) and the library would then not open with them."""
        backend = self.backend.currentData()
        _enable(self.backend, "torch", self._has_torch, NEEDS_TORCH)
        gpu_tip = NEEDS_TORCH if not self._has_torch else "Runs on PyTorch: choose PyTorch or Automatic as the backend."
        for device in GPU_DEVICES:
            _enable(self.device, device, self._has_torch and backend != "onnx", gpu_tip)
        _enable(self.precision, "int8", backend == "onnx", "int8 runs on ONNX Runtime: choose it as the backend.")

    def _remove_excluded(self) -> None:
        for item in self.excluded.selectedItems():
            self.excluded.takeItem(self.excluded.row(item))

    def _add_excluded(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Leave out a folder")
        if folder and not self.excluded.findItems(folder, Qt.MatchFlag.MatchExactly):
            self.excluded.addItem(folder)


def _enable(combo: QComboBox, value: str, enabled: bool, why: str) -> None:
    """Enable or grey out the item holding ``value``, with ``why`` as its tooltip while greyed out; a
    greyed-out item that was selected gives way to the first item (Automatic, or fp32)."""
    row = combo.findData(value)
    model = combo.model()
    item = model.item(row) if isinstance(model, QStandardItemModel) else None
    if item is None:
        return
    item.setEnabled(enabled)
    item.setToolTip("" if enabled else why)
    if not enabled and combo.currentIndex() == row:
        combo.setCurrentIndex(0)


def _status(model_status: Callable[[str], str] | None, name: str) -> str | None:
    if model_status is None:
        return None
    try:
        return model_status(name)
    except Exception:  # a broken bundled config, say: the list still opens, without the word
        return None
