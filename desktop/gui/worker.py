"""The one way the app runs work off the main thread.

Shaped like Anki's ``QueryOp`` and superqt's ``GeneratorWorker``::

    Op(lambda ctx: library.index(progress=ctx.progress, cancel=ctx.cancel), success=on_done, parent=window)
        .with_progress(on_progress)
        .run_in(lanes.index)

- ``fn(ctx)`` runs on a thread of a :class:`Lane`. A lane with one thread is a serial executor: the
  indexing lane is the engine's one writer, and searches have their own lane so they never wait for it.
- ``ctx.progress(value)`` reaches ``on_progress`` on the main thread, at most every ``interval`` seconds
  (the last value and any ``force=True`` value always arrive), so a fast loop cannot flood the event loop.
- ``ctx.cancel`` is a ``threading.Event`` the work checks between steps; :meth:`Op.cancel` sets it.
- The result goes to ``success`` and an exception to ``failure``; without one, to
  :func:`desktop.gui.messages.show_error`, which logs it and tells the user.

Callbacks always run on the main thread: the signals below belong to an object that lives there and are
connected to its own slots, so Qt queues them across threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QWidget

from desktop import log

T = TypeVar("T")
_log = log.get("gui.worker")


class Lane:
    """A named pool of threads; ``threads=1`` makes it a serial executor.

    Lane threads run at the window's priority, on purpose. Lowering it (nice) was tried and measured:
    a low-priority thread that holds the GIL keeps it while the OS serves other programs first, and the
    window waits for it — with two busy programs on two cores, the longest freeze while indexing grew
    from ~0.1 s to 0.4-0.65 s, and indexing slowed 30x (benchmarks/ui_freeze.py).
    """

    def __init__(self, name: str, threads: int = 1) -> None:
        self.name = name
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(threads)
        self.pool.setObjectName(f"lane-{name}")
        self._ops: set[Op[Any]] = set()  # keeps running ops alive until they finish
        self._lock = threading.Lock()

    def submit(self, op: Op[Any]) -> None:
        with self._lock:
            self._ops.add(op)
        self.pool.start(_Runner(op))

    def release(self, op: Op[Any]) -> None:
        with self._lock:
            self._ops.discard(op)

    def active(self) -> list[Op[Any]]:
        with self._lock:
            return list(self._ops)

    def cancel_all(self) -> None:
        self.pool.clear()  # drops queued runnables; their ops never start
        for op in self.active():
            op.cancel()

    def wait(self, timeout_ms: int = -1) -> bool:
        return self.pool.waitForDone(timeout_ms)


class Context:
    """Handed to the work function: report progress, check for cancellation."""

    def __init__(self, op: Op[Any], interval: float) -> None:
        self._op = op
        self._interval = interval
        self._last = 0.0
        self.cancel = op.cancel_event

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def progress(self, value: object, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self._interval:
            self._last = now
            self._op._progressed.emit(value)
            self._op._held = None
        else:
            self._op._held = (value,)  # delivered at the end if nothing newer was sent

    def flush(self) -> None:
        held, self._op._held = self._op._held, None
        if held is not None:
            self._op._progressed.emit(held[0])


class Op(QObject, Generic[T]):
    """One piece of background work with main-thread callbacks. See the module docstring."""

    _progressed = Signal(object)
    _succeeded = Signal(object)
    _failed = Signal(object)
    finished = Signal()

    def __init__(
        self,
        fn: Callable[[Context], T],
        *,
        success: Callable[[T], None] | None = None,
        failure: Callable[[BaseException], None] | None = None,
        parent: QWidget | None = None,
        name: str = "",
        interval: float = 0.05,
    ) -> None:
        super().__init__()  # no Qt parent: a closing window must not delete an op its thread still uses
        self._fn = fn
        self._success = success
        self._failure = failure
        self._on_progress: Callable[[Any], None] | None = None
        self._parent = parent
        self._interval = interval
        self._lane: Lane | None = None
        self._held: tuple[object] | None = None
        self._done = threading.Event()
        self.cancel_event = threading.Event()
        self.name = name or getattr(fn, "__name__", "op")
        self._progressed.connect(self._deliver_progress)
        self._succeeded.connect(self._deliver_success)
        self._failed.connect(self._deliver_failure)

    def with_progress(self, on_progress: Callable[[Any], None]) -> Op[T]:
        self._on_progress = on_progress
        return self

    def run_in(self, lane: Lane) -> Op[T]:
        self._lane = lane
        lane.submit(self)
        return self

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work function returned (callbacks may still be queued). For tests and shutdown."""
        return self._done.wait(timeout)

    # -- on the lane's thread -----------------------------------------------------------------------

    def _execute(self) -> None:
        ctx = Context(self, self._interval)
        try:
            result = self._fn(ctx)
        except BaseException as exc:  # handed to the main thread, never lost in a pool thread
            ctx.flush()
            self._done.set()
            self._failed.emit(exc)
            return
        ctx.flush()
        self._done.set()
        self._succeeded.emit(result)

    # -- on the main thread -------------------------------------------------------------------------

    @Slot(object)
    def _deliver_progress(self, value: object) -> None:
        if self._on_progress is not None:
            self._on_progress(value)

    @Slot(object)
    def _deliver_success(self, result: T) -> None:
        try:
            if self._success is not None:
                self._success(result)
        finally:
            self._finish()

    @Slot(object)
    def _deliver_failure(self, exc: BaseException) -> None:
        try:
            if self._failure is not None:
                self._failure(exc)
            else:
                from desktop.gui.messages import show_error

                show_error(self._parent, exc, context=self.name)
        finally:
            self._finish()

    def _finish(self) -> None:
        if self._lane is not None:
            self._lane.release(self)
        self.finished.emit()


class _Runner(QRunnable):
    def __init__(self, op: Op[Any]) -> None:
        super().__init__()
        self._op = op

    def run(self) -> None:
        try:
            self._op._execute()
        except RuntimeError:  # the op's Qt side was deleted while the app quit
            _log.debug("op %s finished after shutdown", self._op.name)
