"""The app's view of one open library: model state, searches, indexing, watching, reads for the panels.

Widgets talk to a :class:`Session` and listen to its signals; they never call the engine themselves.
Three lanes keep the main thread free (see :mod:`desktop.gui.worker`):

- ``index`` (one thread, :class:`~desktop.gui.indexer.IndexScheduler`): indexing and every write;
- ``search`` (one thread): loading the model, then queries. Only the latest query runs next: typing fast
  queues at most one search behind the one running, and results of a superseded query are dropped;
- ``io`` (one thread): reads for the library panel, setting up folder watches, and keeping the thumbnail
  cache within its size (at start and after each indexing run);
- ``train`` (one thread, :class:`~desktop.gui.combiner_training.CombinerTraining`): training a Combiner
  for a backbone that has none, when the user asks.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop import log
from desktop.catalog.queries import capture_years
from desktop.errors import ModelUnavailable, ReframeError
from desktop.gui.combiner_training import CombinerTraining
from desktop.gui.indexer import IndexScheduler
from desktop.gui.worker import Context, Lane, Op
from desktop.ingest.watch import FolderWatcher
from desktop.library import IndexSummary, Library, RootStatus
from desktop.search.engine import Found, SearchRequest
from desktop.search.field import parse_field
from desktop.search.filters import Filters
from desktop.search.history import SETTING_LAST_SEARCH, last_search
from desktop.search.terms import Term
from desktop.thumbs import DEFAULT_MAX_BYTES, ThumbnailCache

_log = log.get("gui.session")

LOADING, READY, UNAVAILABLE = "loading", "ready", "unavailable"
DEFAULT_RESULTS = 500
SETTING_THUMB = "gui.thumbnail_size"
SETTING_THUMB_CACHE = "gui.thumbnail_cache_mb"
DEFAULT_THUMB_CACHE_MB = DEFAULT_MAX_BYTES >> 20
SETTING_RESULTS = "gui.results"
SETTING_DEVICE = "gui.device"
SETTING_BACKEND = "gui.backend"
SETTING_PRECISION = "gui.precision"
PASTED = "pasted"
FEW_RESULTS = 100


def _load_quietly(lib: Library) -> object:
    """Load the model with the garbage collector held off, then freeze what loading made.

    On the torch backend, importing torch and open_clip makes millions of objects, and a full collection
    that starts on the loading thread walks them all while holding the GIL, and the window cannot paint
    meanwhile. Held off, no collection starts; frozen (``gc.freeze``), those long-lived objects are left
    out of every later collection, so the full collections that come during indexing stay short too.
    (Preloading torch's shared libraries is the loader's business, and it does so only for torch.) ONNX
    Runtime's import makes far fewer objects, but the window's longest gap while it loads is still shorter
    with this (benchmarks/README.md, ``ui_freeze.py``), so it is kept for both backends.
    """
    gc.disable()
    try:
        encoder = lib.load_model()
        # The window searches by text: build the tokenizer now, while "Loading model…" shows. Building it holds
        # the GIL ~55 ms (the tokenizers library's BPE constructor); left to the first search, that froze the
        # window while it indexed (benchmarks/ui_freeze.py --stalls found it).
        getattr(encoder, "tokenizer", None)
        return encoder
    finally:
        gc.freeze()
        gc.enable()


@dataclass(frozen=True)
class Inference:
    """How the model runs, as chosen in Settings: None leaves each to the engine's automatic choice."""

    device: str | None = None  # "cpu" / "cuda" / "mps"
    backend: str | None = None  # "onnx" / "torch"
    precision: str | None = None  # "fp32" / "int8" (ONNX Runtime only)

    @classmethod
    def of(cls, device: str | None, backend: str | None, precision: str | None) -> Inference:
        """Defaults spelt out ("auto", "fp32", "") become None, so that equal choices compare equal."""
        return cls(
            device if device not in ("", "auto") else None,
            backend if backend not in ("", "auto") else None,
            precision if precision not in ("", "fp32") else None,
        )

    @classmethod
    def stored(cls, lib: Library) -> Inference:
        """What the library's settings say (Settings stores them there, so they travel with it)."""
        get = lib.catalog.get_setting
        return cls.of(get(SETTING_DEVICE), get(SETTING_BACKEND), get(SETTING_PRECISION))

    def open(self, directory: str | Path, model: str | None, weights: Path | None = None) -> Library:
        return Library.open(
            directory, model, weights=weights, device=self.device, backend=self.backend, precision=self.precision
        )

    def store(self, lib: Library) -> None:
        writer = lib.catalog.writer()
        writer.set_setting(SETTING_DEVICE, self.device)
        writer.set_setting(SETTING_BACKEND, self.backend)
        writer.set_setting(SETTING_PRECISION, self.precision)


@dataclass(frozen=True)
class Query:
    """What is on screen: the field's text (read as terms), a reference photo, and the filters.

    An empty query (no text, no reference) browses: the photos that pass the filters, newest first.
    """

    seq: int
    text: str
    image: str | None
    filters: Filters = field(default_factory=Filters)
    terms: tuple[Term, ...] = ()
    rows: int = 0  # at least this many rows (a rerun keeps the pages the grid had loaded)

    @property
    def empty(self) -> bool:
        return not self.terms and not self.image

    def request(self, k: int, offset: int = 0) -> SearchRequest:
        return SearchRequest(self.terms, self.image, k=k, offset=offset, filters=self.filters, weaker=True)


class Session(QObject):
    modelStateChanged = Signal(str)  # LOADING | READY | UNAVAILABLE
    modelUnavailable = Signal(object)  # ModelUnavailable
    rootsChanged = Signal(object)  # list[RootStatus]
    watchModesChanged = Signal(object)  # dict[path, "watching" | "polling"]
    searchStarted = Signal(object)  # Query
    searchDone = Signal(object, object)  # Query, Found (mode "browse" for an empty query)
    searchFailed = Signal(object, object)  # Query, exception
    pageDone = Signal(object, object)  # Query, Found (a later page of it) or None when it could not be read
    contentChanged = Signal()  # photos were added, moved or removed: re-run the query on screen
    reopened = Signal()
    demoReady = Signal(object)  # desktop.shapes.demo.DemoLibrary
    queryRestored = Signal(str, object)  # text, reference or None: the last search, searched again on start
    _watchBatch = Signal(object)  # list[str], emitted on the watcher's thread

    def __init__(
        self,
        library: Library,
        *,
        watch: bool = True,
        watch_quiet: float = 0.75,
        inference: Inference | None = None,
    ) -> None:
        super().__init__()
        self.library: Library | None = library
        self.inference = inference or Inference()  # what ``library`` was opened with
        self.window: QWidget | None = None  # parent for messages, set by the window
        self.indexer = IndexScheduler(lambda: self.library, lambda: self.window)
        self.search_lane = Lane("search", 1)
        self.io_lane = Lane("io", 1)
        self.combiner_training = CombinerTraining(lambda: self.library)
        self.combiner_training.finished.connect(lambda _model: self.rerun())
        self.thumbs = ThumbnailCache(library.paths.thumbnails)
        self.model_state = LOADING
        self.roots: list[RootStatus] = []
        self.watch_modes: dict[str, str] = {}
        self.result_count = self._int_setting(SETTING_RESULTS, DEFAULT_RESULTS)
        self._seq = 0
        self.filters = Filters()  # in force for browsing and every search kind
        self._latest: Query | None = None
        self._pending: Query | None = None
        self._searching: Op[Any] | None = None
        self._reading = False
        self._read_again = False
        self._pruning = False
        self._prune_again: int | None = None  # MB, for a run asked for while one was under way
        self._closed = False
        self._watcher = FolderWatcher(self._watchBatch.emit, quiet=watch_quiet) if watch else None
        self._watchBatch.connect(self._on_watch_batch)
        self.indexer.finished.connect(self._on_index_finished)
        self.indexer.progress.connect(self._on_index_progress)
        self.indexer.modelUnavailable.connect(self._set_unavailable)
        self._last_read = 0.0
        self.live_results = 0  # how many hits the latest search returned
        # Settings written as the library closes (after the lanes stopped): key -> what to store then.
        self.closing_settings: dict[str, Callable[[], str | None]] = {}

    @classmethod
    def open(
        cls, directory: str | Path | None = None, model: str | None = None, *, watch: bool = True, **kw: Any
    ) -> Session:
        """Open the library with the device, backend and precision its settings name.

        The settings live in the library, so it is opened once to read them and again with them (opening
        is cheap: the model loads later, behind the window). Settings that no longer work here (PyTorch
        chosen, then uninstalled) are set aside for the automatic choice rather than keep the app shut.
        """
        lib = Library.open(directory, model, **kw)
        stored = Inference.stored(lib)
        given = Inference(kw.get("device"), kw.get("backend"), kw.get("precision"))  # as it was just opened
        # Given ones win, "auto" and "fp32" included; then defaults are normalised to None.
        inference = Inference.of(
            given.device or stored.device, given.backend or stored.backend, given.precision or stored.precision
        )
        given = Inference.of(given.device, given.backend, given.precision)
        if inference == given:
            return cls(lib, watch=watch, inference=inference)
        directory, weights = lib.paths.root, kw.get("weights")
        lib.close()
        try:
            lib = inference.open(directory, model, weights)
        except ReframeError as exc:
            _log.warning("the library's inference settings do not work here (%s); using the automatic choice", exc)
            inference = given  # what opened a moment ago
            lib = inference.open(directory, model, weights)
        return cls(lib, watch=watch, inference=inference)

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Load the model behind the window, show the query on screen (on the first start, the last search
        of the previous one; else the library), read the roots, index what changed, watch the folders."""
        self._load_model()
        last = last_search(self.setting(SETTING_LAST_SEARCH)) if self._latest is None else None
        if last is not None:
            self.queryRestored.emit(*last)
            self.search(*last)
        else:
            self.rerun()
        self.refresh_roots()
        self.prune_thumbnails()
        self.indexer.request()

    def shutdown(self, timeout_ms: int = 15000) -> None:
        if self._closed:
            return
        self._closed = True
        if self._watcher is not None:
            self._watcher.stop()
        self.indexer.stop()
        self.combiner_training.cancel()  # keeps its captions and last epoch: resumes next time
        self.search_lane.cancel_all()
        self.io_lane.cancel_all()
        idle = True
        for lane in (self.indexer.lane, self.search_lane, self.io_lane, self.combiner_training.lane):
            if not lane.wait(timeout_ms):
                _log.warning("lane %s still busy at shutdown", lane.name)
                idle = False
        if self.library is not None and idle:
            self._write_closing_settings(self.library)
        if self.library is not None:
            self.library.close()
            self.library = None
        # What the model load froze (see _load_quietly) is collectable again, so that the interpreter's
        # exit tears it down as usual (native extensions report "leaked" objects otherwise).
        gc.unfreeze()

    def _write_closing_settings(self, lib: Library) -> None:
        try:
            writer = lib.catalog.writer()
            for key, value in self.closing_settings.items():
                writer.set_setting(key, value())
        except (ReframeError, sqlite3.Error, OSError) as exc:  # a library that cannot be written to still closes
            _log.warning("settings not saved at close: %s", exc)

    @property
    def closed(self) -> bool:
        return self._closed

    def reopen(
        self, *, model: str | None = None, weights: Path | None = None, inference: Inference | None = None
    ) -> None:
        """Open the same library again with another model, weights file, or device/backend/precision."""
        old = self.library
        if old is None:
            return
        directory = old.paths.root
        model = model or old.model_name
        before = self.inference
        wanted = inference or before
        self.indexer.hold(True)
        self.combiner_training.cancel()  # it trains for the model being replaced
        self.model_state = LOADING
        self.modelStateChanged.emit(LOADING)

        def swap(ctx: Context) -> Library:
            self.search_lane.wait()
            self.io_lane.wait()
            self.combiner_training.lane.wait()
            old.close()
            lib = wanted.open(directory, model, weights)
            # Stored here rather than by set_setting: its write would run after self.library went None
            # for the swap, and a choice the engine refused (the open above raised) is not kept.
            wanted.store(lib)
            return lib

        def done(lib: Library) -> None:
            self.library = lib
            self.inference = wanted
            self.indexer.hold(False)
            self.reopened.emit()
            self.start()

        def failed(exc: BaseException) -> None:
            self.library = None
            self._fail(exc)
            try:  # stay usable: the old model, as it was
                self.library = before.open(directory, old.model_name)
            except Exception as again:
                self._fail(again)
                return
            self.indexer.hold(False)
            self.start()

        self.library = None
        Op(swap, success=done, failure=failed, name="reopen").run_in(self.indexer.lane)

    # -- model --------------------------------------------------------------------------------------

    def _load_model(self) -> None:
        lib = self.library
        if lib is None:
            return
        self.model_state = LOADING
        self.modelStateChanged.emit(LOADING)

        def loaded(_: object) -> None:
            if not self._closed:
                self.model_state = READY
                self.modelStateChanged.emit(READY)

        Op(lambda ctx: _load_quietly(lib), success=loaded, failure=self._model_failed, name="load model").run_in(
            self.search_lane
        )

    def _model_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, ModelUnavailable):  # a bug or a broken install: still "no model", with the why
            _log.error("loading the model failed", exc_info=(type(exc), exc, exc.__traceback__))
            exc = ModelUnavailable(  # in our words: the raw exception text is for the log
                f"The model {self.model_name} could not be loaded because of an unexpected error.",
                hint=f"The details are in the log, in {self.library.paths.logs if self.library else 'the library'}.",
            )
        self._set_unavailable(exc)

    def _set_unavailable(self, exc: ModelUnavailable) -> None:
        if self._closed or self.model_state == UNAVAILABLE:
            return
        self.model_state = UNAVAILABLE
        self.modelStateChanged.emit(UNAVAILABLE)
        self.modelUnavailable.emit(exc)

    @property
    def model_name(self) -> str:
        return self.library.model_name if self.library else ""

    @property
    def device(self) -> str | None:
        return self.library.device if self.library else None

    @property
    def backend(self) -> str:
        """``"onnx"`` or ``"torch"`` (``"n/a"`` for the test encoder, ``""`` with no library open)."""
        if self.library is None:
            return ""
        try:
            return self.library.backend
        except ReframeError:  # a choice refused on opening is reported there; here it just says nothing
            return ""

    @property
    def precision(self) -> str:
        return self.library.precision if self.library else ""

    # -- search -------------------------------------------------------------------------------------

    def search(self, text: str, image: str | None, filters: Filters | None = None, *, rows: int = 0) -> Query:
        """Search for the field's text and/or a reference photo (browse when both are empty).

        ``filters`` None keeps the filters in force. A field that does not parse (a malformed weight) fails
        the query with the rule, through ``searchFailed``, without running it. ``rows``: return at least
        this many (more than a page: what paging had loaded).
        """
        self._seq += 1
        if filters is not None:
            self.filters = filters
        text = text.strip()
        image = os.fspath(image) if image else None
        try:
            terms = parse_field(text).terms
        except ReframeError as exc:
            query = Query(self._seq, text, image, self.filters)
            self._latest, self._pending = query, None
            self.searchFailed.emit(query, exc)
            return query
        query = Query(self._seq, text, image, self.filters, terms, rows)
        self._latest = query
        self._pending = query
        self._pump_search()
        return query

    def set_filters(self, filters: Filters) -> None:
        """Apply ``filters`` to what is on screen (browsing or the search)."""
        latest = self._latest
        self.search(latest.text if latest else "", latest.image if latest else None, filters)

    def rerun(self) -> None:
        """Search (or browse) again for what is on screen (the library changed), as far as it was paged."""
        latest = self._latest
        self.search(latest.text if latest else "", latest.image if latest else None, rows=self.live_results)

    def fetch_more(self, offset: int) -> None:
        """The page of what is on screen that starts at row ``offset`` (the grid scrolled near its end);
        ``pageDone`` brings it, or None if it could not be read. Dropped if another query came meanwhile."""
        query, lib = self._latest, self.library
        if self._closed or lib is None or query is None:
            return
        k = self.result_count

        def done(result: Found) -> None:
            if not self._closed and query is self._latest:
                self.live_results = offset + len(result.hits)
                self.pageDone.emit(query, result)

        def failed(exc: BaseException) -> None:
            if not self._closed and query is self._latest:
                _log.info("reading more results failed: %s", exc)
                self.pageDone.emit(query, None)

        Op(lambda ctx: lib.find(query.request(k, offset)), success=done, failure=failed, name="page").run_in(
            self.search_lane
        )

    @property
    def latest_query(self) -> Query | None:
        return self._latest

    @property
    def searching(self) -> bool:
        return self._searching is not None or self._pending is not None

    def _pump_search(self) -> None:
        lib = self.library
        if self._closed or lib is None or self._searching is not None or self._pending is None:
            return
        query, self._pending = self._pending, None
        k = max(self.result_count, query.rows)

        def work(ctx: Context) -> Found:
            return lib.find(query.request(k))

        def done(result: Found) -> None:
            if not self._closed and query is self._latest:
                self.live_results = len(result.hits)
                self.searchDone.emit(query, result)

        def failed(exc: BaseException) -> None:
            if self._closed:
                return
            if isinstance(exc, ModelUnavailable):
                self._set_unavailable(exc)
            elif query is self._latest:
                _log.info("search failed: %s", exc)
            if query is self._latest:
                self.searchFailed.emit(query, exc)

        op: Op[Found] = Op(work, success=done, failure=failed, name="search")
        op.finished.connect(self._search_finished)
        self._searching = op
        self.searchStarted.emit(query)
        op.run_in(self.search_lane)

    def _search_finished(self) -> None:
        self._searching = None
        self._pump_search()

    # -- roots --------------------------------------------------------------------------------------

    def add_root(self, folder: str | Path) -> None:
        def added(root: Any) -> None:
            self.refresh_roots()
            self.indexer.request(roots=[root.id])

        self.indexer.write(lambda lib: lib.add_root(folder), added, interrupt=True, name="add folder")

    def remove_root(self, root_id: int) -> None:
        def removed(_: object) -> None:
            self.refresh_roots()
            self.contentChanged.emit()

        self.indexer.write(lambda lib: lib.remove_root(root_id), removed, interrupt=True, name="remove folder")

    def setup_demo(self) -> None:
        """Make the demo library of shapes photos (once) and add it as a folder."""

        def build(lib: Library) -> tuple[Any, int]:
            from desktop.shapes.demo import build_demo_library

            demo = build_demo_library(lib.paths.root / "demo")
            return demo, lib.add_root(demo.photos).id

        def built(result: tuple[Any, int]) -> None:
            demo, root_id = result
            self.refresh_roots()
            self.indexer.request(roots=[root_id])
            self.demoReady.emit(demo)

        self.indexer.write(build, built, name="demo library")

    def failures(self, root_id: int | None = None) -> list[tuple[str, str]]:
        return self.library.failures(root_id) if self.library else []

    def refresh_roots(self) -> None:
        """Read the roots and their counts on the io lane; ``rootsChanged`` brings them."""
        if self._closed or self.library is None:
            return
        if self._reading:
            self._read_again = True
            return
        self._reading = True
        lib = self.library

        def read(ctx: Context) -> list[RootStatus]:
            return lib.roots()

        def done(roots: list[RootStatus]) -> None:
            if self._closed:
                return
            self.roots = roots
            self.rootsChanged.emit(roots)
            self._sync_watches([r.path for r in roots])

        def finished() -> None:
            self._reading = False
            if self._read_again:
                self._read_again = False
                self.refresh_roots()

        op = Op(read, success=done, failure=self._quiet_failure, name="read roots")
        op.finished.connect(finished)
        op.run_in(self.io_lane)

    @property
    def thumbnail_cache_mb(self) -> int:
        return max(1, self._int_setting(SETTING_THUMB_CACHE, DEFAULT_THUMB_CACHE_MB))

    def prune_thumbnails(self, max_mb: int | None = None) -> None:
        """Bring the thumbnail cache within ``max_mb`` (default: the setting) on the io lane.

        Asked again while one runs, another runs after it (its scan must see what was made meanwhile),
        and requests that pile up meanwhile make one run, with the latest size.
        """
        if self._closed:
            return
        limit_mb = max_mb or self.thumbnail_cache_mb
        if self._pruning:
            self._prune_again = limit_mb
            return
        self._pruning = True
        cache, limit = self.thumbs, limit_mb << 20

        def prune(ctx: Context) -> int:
            return cache.prune(limit, ctx.cancel)

        def done(removed: int) -> None:
            if removed:
                _log.info("thumbnail cache: removed the %d least recently used to stay within %d MB", removed, limit_mb)

        def finished() -> None:
            self._pruning = False
            again, self._prune_again = self._prune_again, None
            if again is not None:
                self.prune_thumbnails(again)

        op = Op(prune, success=done, failure=self._quiet_failure, name="prune thumbnails")
        op.finished.connect(finished)
        op.run_in(self.io_lane)

    def _sync_watches(self, folders: list[str]) -> None:
        watcher = self._watcher
        if watcher is None or set(folders) == set(self.watch_modes):
            return

        def done(modes: dict[str, str]) -> None:
            if not self._closed:
                self.watch_modes = modes
                self.watchModesChanged.emit(modes)

        def watch(ctx: Context) -> dict[str, str]:
            return dict(watcher.set_roots(folders))

        Op(watch, success=done, name="watch folders").run_in(self.io_lane)

    def read_years(self, done: Callable[[list[tuple[int, int]]], None]) -> None:
        """``(year, photos)`` for the years the library's photos were taken in, read on the io lane."""
        lib = self.library
        if self._closed or lib is None:
            return
        Op(lambda ctx: capture_years(lib.catalog), success=done, failure=self._quiet_failure, name="years").run_in(
            self.io_lane
        )

    @property
    def library_size(self) -> int:
        return sum(r.counts.get("indexed", 0) for r in self.roots)

    # -- settings -----------------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        return self.library.catalog.get_setting(key, default) if self.library else default

    def set_setting(self, key: str, value: str | None) -> None:
        self.indexer.write(lambda lib: lib.catalog.writer().set_setting(key, value), name="save setting")

    def set_excluded(self, folders: list[str]) -> None:
        self.indexer.write(lambda lib: lib.set_excluded(folders), lambda _: self.indexer.request(), name="exclude")

    def _int_setting(self, key: str, default: int) -> int:
        try:
            return int(self.setting(key) or default)
        except ValueError:
            return default

    @property
    def paste_dir(self) -> Path:
        root = self.library.paths.root if self.library else Path.home()
        return root / PASTED

    # -- events -------------------------------------------------------------------------------------

    def _on_watch_batch(self, paths: list[str]) -> None:
        lib = self.library
        if self._closed or lib is None:
            return
        own = [lib.paths.thumbnails, lib.paths.indexes, lib.paths.logs, lib.paths.models, self.paste_dir]
        prefixes = tuple(os.fspath(p) + os.sep for p in own)
        relevant = [p for p in paths if not p.startswith(prefixes) and not p.startswith(os.fspath(lib.paths.catalog))]
        if relevant:
            _log.info("%d changed paths from the folder watcher", len(relevant))
            self.indexer.request(paths=relevant)

    def _on_index_progress(self, _: object) -> None:
        now = time.monotonic()
        if now - self._last_read > 1.0:  # counts in the panel follow the run, once a second at most
            self._last_read = now
            self.refresh_roots()
            if self.live_results < FEW_RESULTS:  # a nearly empty result list fills up as photos arrive
                self.rerun()

    def _on_index_finished(self, summary: IndexSummary) -> None:
        self.refresh_roots()
        self.prune_thumbnails()
        if summary.indexed or summary.moved or summary.deleted or summary.duplicates:
            self.contentChanged.emit()

    def _quiet_failure(self, exc: BaseException) -> None:
        if not self._closed:
            _log.warning("background read failed: %s", exc)

    def _fail(self, exc: BaseException) -> None:
        from desktop.gui.messages import show_error

        show_error(self.window, exc)

    def run(self, fn: Callable[[Context], Any], success: Callable[[Any], None], name: str = "task") -> Op[Any]:
        """A read on the io lane (thumbnails for dialogs, failure lists)."""
        return Op(fn, success=success, parent=self.window, name=name).run_in(self.io_lane)
