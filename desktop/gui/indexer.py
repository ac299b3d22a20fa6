"""The indexing lane: one thread that does every write to the library, in order.

Requests to index pile up while a run is going and are merged: any number of "all roots", root ids and
watched paths become at most one next run. Pausing cancels the run in progress (the engine stops between
batches and keeps what it has) and holds new runs until :meth:`IndexScheduler.resume`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop import log
from desktop.errors import ModelUnavailable
from desktop.gui.worker import Context, Lane, Op
from desktop.library import IndexProgress, IndexSummary, Library

_log = log.get("gui.index")

IDLE, INDEXING, PAUSED = "idle", "indexing", "paused"


class IndexScheduler(QObject):
    stateChanged = Signal(str)  # IDLE | INDEXING | PAUSED
    progress = Signal(object)  # IndexProgress
    finished = Signal(object)  # IndexSummary of a completed (or cancelled) run
    modelUnavailable = Signal(object)  # ModelUnavailable raised by a run that had photos to encode

    def __init__(self, library: Callable[[], Library | None], parent_widget: Callable[[], QWidget | None]) -> None:
        super().__init__()
        self.lane = Lane("index", 1)
        self._library = library
        self._parent_widget = parent_widget
        self._want_all = False
        self._want_roots: set[int] = set()
        self._want_paths: set[str] = set()
        self._run: Op[IndexSummary] | None = None
        self._writes = 0
        self._paused = False
        self._closed = False
        self._held = False
        self.running_roots: set[int] | None = None  # None: all roots
        self.last_progress: IndexProgress | None = None

    # -- state --------------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        if self._paused:
            return PAUSED
        return INDEXING if self._run is not None else IDLE

    @property
    def busy(self) -> bool:
        """Whether a run or a write is queued or running (for tests and shutdown)."""
        return self._run is not None or self._writes > 0 or self.has_requests

    @property
    def has_requests(self) -> bool:
        return self._want_all or bool(self._want_roots) or bool(self._want_paths)

    # -- requests -----------------------------------------------------------------------------------

    def request(self, roots: Iterable[int] | None = None, paths: Iterable[str] | None = None) -> None:
        """Index ``roots`` (all when both arguments are None) or the roots holding ``paths``."""
        if roots is None and paths is None:
            self._want_all = True
        if roots is not None:
            self._want_roots.update(roots)
        if paths is not None:
            self._want_paths.update(paths)
        self._pump()

    def write(
        self,
        fn: Callable[[Library], Any],
        success: Callable[[Any], None] | None = None,
        *,
        interrupt: bool = False,
        name: str = "write",
    ) -> Op[Any]:
        """Run ``fn(library)`` on the writer thread, after what is already queued. ``interrupt`` cancels the
        run in progress first so that a quick change (adding a folder) does not wait for a long index;
        the run is requested again and resumes where it stopped."""
        if interrupt and self._run is not None:
            self._run.cancel()
            self._want_all = True
        self._writes += 1

        def work(ctx: Context) -> Any:
            lib = self._library()
            if lib is None:
                raise RuntimeError("the library is closed")
            return fn(lib)

        op: Op[Any] = Op(work, success=success, parent=self._parent_widget(), name=name)
        op.finished.connect(self._write_done)
        return op.run_in(self.lane)

    def pause(self) -> None:
        if self._paused:
            return
        self._paused = True
        if self._run is not None:
            self._run.cancel()
        self.stateChanged.emit(PAUSED)

    def resume(self) -> None:
        if not self._paused:
            return
        self._paused = False
        self._want_all = True
        self.stateChanged.emit(self.state)
        self._pump()

    def hold(self, held: bool) -> None:
        """Hold new runs (while the library is being reopened) without showing "paused"."""
        self._held = held
        if held and self._run is not None:
            self._run.cancel()
        if not held:
            self._pump()

    def stop(self) -> None:
        self._closed = True
        if self._run is not None:
            self._run.cancel()
        self.lane.cancel_all()

    # -- internals ----------------------------------------------------------------------------------

    def _write_done(self) -> None:
        self._writes -= 1
        self._pump()

    def _pump(self) -> None:
        if self._closed or self._paused or self._held or self._run is not None or not self.has_requests:
            return
        lib = self._library()
        if lib is None:
            return
        lib.indexer_name = "the Reframe app"  # what a `reframe index` waiting for the library is told
        if self._want_all:
            roots: list[int] | None = None
            self._want_all = False
            self._want_roots.clear()
            self._want_paths.clear()
            self.running_roots = None

            def work(ctx: Context) -> IndexSummary:
                return lib.index(roots, progress=_reporter(ctx), cancel=ctx.cancel)

        elif self._want_roots:
            roots = sorted(self._want_roots)
            self._want_roots.clear()
            self.running_roots = set(roots)

            def work(ctx: Context) -> IndexSummary:
                return lib.index(roots, progress=_reporter(ctx), cancel=ctx.cancel)

        else:
            paths = sorted(self._want_paths)
            self._want_paths.clear()
            self.running_roots = _roots_holding(lib, paths)

            def work(ctx: Context) -> IndexSummary:
                return lib.index_paths(paths, progress=_reporter(ctx), cancel=ctx.cancel)

        self.last_progress = None
        op: Op[IndexSummary] = Op(work, success=self._succeeded, failure=self._failed, name="index", interval=0.1)
        op.with_progress(self._progressed)
        op.finished.connect(self._run_done)
        self._run = op
        self.stateChanged.emit(INDEXING)
        op.run_in(self.lane)

    def _progressed(self, value: IndexProgress) -> None:
        if self._closed:
            return
        self.last_progress = value
        self.progress.emit(value)

    def _succeeded(self, summary: IndexSummary) -> None:
        if self._closed:
            return
        _log.info("index run: %s", summary.line())
        self.finished.emit(summary)

    def _failed(self, exc: BaseException) -> None:
        if self._closed:
            return
        if isinstance(exc, ModelUnavailable):
            self.modelUnavailable.emit(exc)
            return
        from desktop.gui.messages import show_error

        show_error(self._parent_widget(), exc, context="indexing")

    def _run_done(self) -> None:
        self._run = None
        self.running_roots = set()
        if self._closed:
            return
        self._pump()
        if self._run is None:
            self.stateChanged.emit(self.state)


def _reporter(ctx: Context) -> Callable[[IndexProgress], None]:
    """Progress for the main thread: throttled while encoding, but phase changes and the end of encoding
    always get through."""

    def report(p: IndexProgress) -> None:
        ctx.progress(p, force=p.phase != "encoding" or p.done >= p.total)

    return report


def _roots_holding(lib: Library, paths: list[str]) -> set[int]:
    """The roots a watched batch belongs to, to mark them as being indexed (a read; no writes)."""
    found: set[int] = set()
    for r in lib.catalog.roots():
        prefix = r.path.rstrip("/\\")
        if any(p == prefix or p.startswith(prefix + "/") or p.startswith(prefix + "\\") for p in paths):
            found.add(r.id)
    return found
