"""Which inference backend runs a model: ONNX Runtime (the base install) or torch (the ``torch`` extra).

``auto`` takes what measured fastest for the device (benchmarks/README.md): ONNX Runtime on a CPU, torch
on an NVIDIA GPU (CUDA) or Apple silicon (MPS) when torch is installed. Whether a GPU is there is read
without importing torch (a driver file, the platform), since importing torch costs seconds and most
of a gigabyte; the loader still falls back to ONNX Runtime when torch then finds no usable GPU.

Nothing here imports torch or onnxruntime.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from pathlib import Path

from desktop.errors import MissingExtra, UsageError

ENV_BACKEND = "REFRAME_BACKEND"
CHOICES = ("auto", "onnx", "torch")
PRECISION_CHOICES = ("fp32", "int8")
TORCH_EXTRA = "pip install 'reframe[torch]'"


def torch_installed() -> bool:
    """torch and open_clip can be imported (checked without importing them)."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "open_clip"))


def require_torch(what: str) -> None:
    """Raise a :class:`MissingExtra` naming ``what`` unless torch and open_clip are installed."""
    if not torch_installed():
        raise MissingExtra(
            f"{what} needs PyTorch and open_clip, which this installation does not have.",
            hint=f"Install them with: {TORCH_EXTRA}  (several GB with CUDA; searching and indexing do not need it).",
        )


def gpu_visible() -> bool:
    """A GPU torch could use seems to be present: an NVIDIA driver, or Apple silicon."""
    if sys.platform == "darwin":
        return platform.machine() == "arm64"
    if sys.platform.startswith("win"):
        system = Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32"
        return (system / "nvcuda.dll").exists()
    return Path("/proc/driver/nvidia/version").exists()


def choose_backend(preference: str | None = None, device: str | None = None) -> str:
    """``"onnx"`` or ``"torch"`` for a ``--backend`` preference (or ``REFRAME_BACKEND``) and ``--device``."""
    choice = (preference or os.environ.get(ENV_BACKEND) or "auto").strip().lower()
    if choice not in CHOICES:
        raise UsageError(f"Unknown backend {choice!r}.", hint=f"Choose one of: {', '.join(CHOICES)}.")
    dev = (device or os.environ.get("REFRAME_DEVICE") or "auto").strip().lower()
    if choice == "torch":
        require_torch("The torch backend")
        return "torch"
    if choice == "onnx":
        if dev in ("cuda", "mps"):
            raise UsageError(
                f"--device {dev} runs on the torch backend, not ONNX Runtime.",
                hint=f"Use --backend torch (or auto) with --device {dev}.",
            )
        return "onnx"
    if dev in ("cuda", "mps"):
        require_torch(f"--device {dev}")
        return "torch"
    if dev == "auto" and torch_installed() and gpu_visible():
        return "torch"
    return "onnx"


def check_precision(precision: str | None) -> str:
    p = (precision or "fp32").strip().lower()
    if p not in PRECISION_CHOICES:
        raise UsageError(f"Unknown precision {p!r}.", hint=f"Choose one of: {', '.join(PRECISION_CHOICES)}.")
    return p
