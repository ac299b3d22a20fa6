"""Training the active backbone's Combiner in the background, from text alone.

A backbone without Combiner weights still gets composed searches (the sum of the reference's and the
change's features); the search bar says so and offers this. The run is
:func:`desktop.compose.textonly.train_for_library`: captions generated for the backbone go through its text
encoder, a Combiner learns from them, and its weights land in the library's ``combiners/`` folder, where
the library looks first. The next composed search uses it; the one on screen is run again.

It has its own lane, so searching and indexing go on meanwhile. Cancelling (or quitting) keeps the
encoded captions and the last finished epoch, and the next start resumes from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from desktop import log
from desktop.errors import ReframeError
from desktop.gui.worker import Context, Lane, Op
from desktop.library import Library

_log = log.get("gui.combiner")

IDLE, TRAINING, DONE, FAILED = "idle", "training", "done", "failed"


@dataclass(frozen=True)
class TrainingProgress:
    stage: str  # "encoding" (captions through the text encoder) or "training" (epochs)
    done: int
    total: int

    @property
    def text(self) -> str:
        if self.stage == "encoding":
            percent = 100 * self.done // self.total if self.total else 0
            return f"reading captions {percent}%"
        return f"epoch {self.done} of {self.total}"


class CombinerTraining(QObject):
    changed = Signal()  # state or progress
    finished = Signal(str)  # the model whose new Combiner is now in use

    def __init__(self, library: Callable[[], Library | None]) -> None:
        super().__init__()
        self._library = library
        self.lane = Lane("train", 1)
        self.state = IDLE
        self.progress: TrainingProgress | None = None
        self.error: str | None = None
        self.model = ""  # the backbone being (or last) trained
        self.refs: int | None = None  # None: train_for_library's default; tests make it small
        self.config: object | None = None  # a TextOnlyConfig, or None for the default recipe
        self._op: Op[object] | None = None

    @property
    def running(self) -> bool:
        return self.state == TRAINING

    @property
    def step(self) -> str:
        """Where a run is, in words ("reading captions 34%", "epoch 3 of 30")."""
        return self.progress.text if self.progress else "starting"

    def can_resume(self) -> bool:
        """Whether a run for the active backbone was stopped part-way and would pick up where it was."""
        lib = self._library()
        if lib is None:
            return False
        from desktop.compose.textonly import interrupted

        return interrupted(lib)

    def start(self) -> bool:
        """Train (or resume training) the active backbone's Combiner; False if one is already running."""
        lib = self._library()
        if lib is None or self.running:
            return False
        self.state, self.progress, self.error, self.model = TRAINING, None, None, lib.model_name
        refs, config = self.refs, self.config

        def work(ctx: Context) -> str:
            from desktop.compose.textonly import train_for_library

            def progress(stage: str, done: int, total: int, _metrics: object) -> None:
                ctx.progress(TrainingProgress(stage, done, total))

            kwargs: dict[str, object] = {"progress": progress, "cancel": ctx.cancel, "config": config}
            if refs is not None:
                kwargs["refs"] = refs
            train_for_library(lib, **kwargs)  # type: ignore[arg-type]
            return lib.model_name

        op: Op[object] = Op(work, success=self._done, failure=self._failed, name="train Combiner")
        op.with_progress(self._on_progress).run_in(self.lane)
        self._op = op
        _log.info("training a Combiner for %s in the background", lib.model_name)
        self.changed.emit()
        return True

    def cancel(self) -> None:
        if self._op is not None:
            self._op.cancel()

    # -- on the main thread -------------------------------------------------------------------------

    def _on_progress(self, value: object) -> None:
        if isinstance(value, TrainingProgress) and self.running:
            self.progress = value
            self.changed.emit()

    def _done(self, model: object) -> None:
        self._op = None
        self.state, self.progress = DONE, None
        _log.info("the Combiner for %s is trained and in use", model)
        self.changed.emit()
        self.finished.emit(str(model))

    def _failed(self, exc: BaseException) -> None:
        from desktop.compose.train import TrainingCancelled

        self._op = None
        self.progress = None
        if isinstance(exc, TrainingCancelled):
            self.state, self.error = IDLE, None
            _log.info("Combiner training stopped; it resumes from its last epoch next time")
        else:
            self.state = FAILED
            self.error = exc.message if isinstance(exc, ReframeError) else f"{type(exc).__name__}: {exc}"
            _log.error("Combiner training failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.changed.emit()
