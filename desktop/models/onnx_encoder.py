"""An :class:`~desktop.models.encoder.Encoder` on ONNX Runtime: no torch, one session per tower.

Pixels come from the same torch-free :class:`~desktop.models.transform.Preprocess` the torch backend
uses and tokens from :class:`~desktop.models.tokenizer.ClipTokenizer`, so both backends see identical
inputs. ONNX Runtime releases the GIL while a session runs, which keeps the app's window responsive
while it indexes.

Execution providers: the CPU's, unless ``REFRAME_ONNX_PROVIDERS`` names others (for example
``CUDAExecutionProvider,CPUExecutionProvider`` with the onnxruntime-gpu package); on CUDA and MPS the
torch backend is the measured choice (see desktop/models/backend.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from desktop.models.onnx_files import OnnxPair
from desktop.models.tokenizer import ClipTokenizer, shared_tokenizer
from desktop.models.transform import Preprocess

if TYPE_CHECKING:
    import onnxruntime

ENV_PROVIDERS = "REFRAME_ONNX_PROVIDERS"
ENV_THREADS = "REFRAME_THREADS"
CPU_IMAGE_RUN = 8


def cpu_threads() -> int:
    """Threads for one session: ``REFRAME_THREADS``, else the CPUs this process may use."""
    env = os.environ.get(ENV_THREADS, "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def providers() -> list[str]:
    import onnxruntime as ort

    wanted = [p.strip() for p in os.environ.get(ENV_PROVIDERS, "").split(",") if p.strip()]
    available = set(ort.get_available_providers())
    chosen = [p for p in wanted if p in available]
    return chosen or ["CPUExecutionProvider"]


def new_session(path: Path, *, threads: int | None = None) -> onnxruntime.InferenceSession:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or cpu_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: its warnings about unused initialisers mean nothing to a user
    return ort.InferenceSession(str(path), sess_options=options, providers=providers())


class OnnxEncoder:
    """Runs an exported pair (see :mod:`desktop.models.onnx_export`)."""

    backend = "onnx"
    device = "cpu"

    def __init__(
        self,
        pair: OnnxPair,
        *,
        name: str,
        dim: int,
        preprocess: Preprocess,
        batch_size: int = 32,
        tokenizer: ClipTokenizer | None = None,
    ) -> None:
        self.pair = pair
        self.name = name
        self.dim = dim
        self.preprocess = preprocess
        self.batch_size = batch_size
        self.precision = pair.precision
        self._tokenizer = tokenizer
        self._sessions: dict[Path, tuple[onnxruntime.InferenceSession, str]] = {}
        self._lock = threading.Lock()
        self._locks: dict[Path, threading.Lock] = {}
        used = providers()[0]
        if used != "CPUExecutionProvider":
            self.device = used.removesuffix("ExecutionProvider").lower()
        #: Photos per run of the image tower. On the CPU small runs are faster per photo (the activations
        #: stay in cache): ViT-B-32 on 2 cores, 131 ms a photo in runs of 4-8 against 144 in runs of 32.
        self.image_run = CPU_IMAGE_RUN if used == "CPUExecutionProvider" else batch_size

    @property
    def tokenizer(self) -> ClipTokenizer:
        """Built on first use (~0.3 s): indexing photos never needs it."""
        if self._tokenizer is None:
            self._tokenizer = shared_tokenizer(self.pair.context_length)
        return self._tokenizer

    def _session(self, path: Path) -> tuple[onnxruntime.InferenceSession, str]:
        """The session for one tower, made on first use: a text search never pays for the image tower."""
        found = self._sessions.get(path)
        if found is not None:
            return found
        with self._lock:  # one lock per tower: a text search does not wait for the image tower being made
            lock = self._locks.setdefault(path, threading.Lock())
        with lock:
            found = self._sessions.get(path)
            if found is None:
                session = new_session(path)
                found = self._sessions[path] = (session, session.get_inputs()[0].name)
            return found

    def warm_images(self) -> None:
        """Make the image session on a thread of its own, now: indexing calls this before it starts decoding,
        so that the second or so ONNX Runtime spends reading and optimising the tower overlaps with the
        first photos' decoding instead of coming before it. The first encode waits for it (the lock)."""
        if self.pair.image in self._sessions:
            return
        threading.Thread(target=self._warm, name="reframe-warm-image-session", daemon=True).start()

    def _warm(self) -> None:
        try:
            self._session(self.pair.image)
        except Exception:  # the first encode makes it again and reports what is wrong, where it can be seen
            return

    def __repr__(self) -> str:
        return f"OnnxEncoder({self.name!r}, dim={self.dim}, precision={self.precision!r})"

    def encode_images(self, batch: np.ndarray) -> np.ndarray:
        arr = np.ascontiguousarray(batch, dtype=np.float32)
        s = self.preprocess.size
        if arr.ndim != 4 or arr.shape[1:] != (3, s, s):
            raise ValueError(f"{self.name} expects images of shape (n, 3, {s}, {s}), got {arr.shape}")
        session, name = self._session(self.pair.image)
        run = self.image_run
        out = [session.run(None, {name: arr[i : i + run]})[0] for i in range(0, len(arr), run)]
        return _stack(out, self.dim)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        session, name = self._session(self.pair.text)
        out = []
        for i in range(0, len(texts), self.batch_size):
            ids = self.tokenizer(texts[i : i + self.batch_size])
            if self.pair.text_trim:
                ids = ids[:, : _used_length(ids)]
            out.append(session.run(None, {name: ids})[0])
        return _stack(out, self.dim)


def _used_length(ids: np.ndarray) -> int:
    """Columns up to the last that is not padding (id 0) in some row; at least 1."""
    used = np.flatnonzero(ids.any(axis=0))
    return int(used[-1]) + 1 if len(used) else 1


def _stack(parts: list[np.ndarray], dim: int) -> np.ndarray:
    if not parts:
        return np.zeros((0, dim), np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)
