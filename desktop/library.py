"""The engine's front door: one library directory, one active model, indexing and search.

The command line and the desktop app both go through :class:`Library`. It is Qt-free and thread-safe in
the ways the app needs: one indexing run at a time (one writer to the catalog), searches from any thread
while it runs, and the model loaded lazily under a lock so that ``reframe status`` never imports torch.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop import log
from desktop.catalog import INDEXED, ROOT_DENIED, UNREACHABLE, Catalog, Root
from desktop.compose.inference import QueryCombiner
from desktop.errors import ImageError, UsageError
from desktop.indexer_lock import IndexerLock
from desktop.ingest.reconcile import Plan, ToEncode, reconcile_root
from desktop.models.encoder import Encoder, normalize
from desktop.models.registry import DEFAULT_MODEL, ModelSpec, get_spec
from desktop.paths import LibraryPaths, resolve_library_dir
from desktop.search.engine import Found, SearchRequest
from desktop.search.query import Hit, QueryVector, SearchResult, compose_vector
from desktop.vectors import VectorIndex

logger = log.get("library")

SETTING_EXCLUDED = "excluded_folders"
SETTING_LAST_SCAN = "last_scan"


@dataclass(frozen=True)
class IndexProgress:
    phase: str  # "scanning" | "encoding" | "done"
    root: str | None
    done: int
    total: int
    rate: float = 0.0
    eta_s: float | None = None


@dataclass
class IndexSummary:
    indexed: int = 0
    skipped: int = 0
    moved: int = 0
    duplicates: int = 0
    deleted: int = 0
    failed: int = 0
    offline: int = 0
    seconds: float = 0.0
    unreachable: int = 0
    cancelled: bool = False
    offline_roots: list[str] = field(default_factory=list)
    denied_roots: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, reason) that could not be read

    def add(self, plan: Plan) -> None:
        """Count one root's reconcile."""
        self.skipped += plan.unchanged + plan.restored
        self.moved += plan.moved
        self.duplicates += plan.duplicates
        self.deleted += plan.deleted
        self.failed += plan.failed
        self.unreachable += plan.unreachable
        self.problems += plan.problems
        self.cancelled = self.cancelled or plan.cancelled
        if plan.away == ROOT_DENIED:
            self.unreachable += plan.kept_away
            self.denied_roots.append(plan.root.path)
        elif plan.away is not None:
            self.offline += plan.kept_away
            self.offline_roots.append(plan.root.path)

    @property
    def rate(self) -> float:
        return self.indexed / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        text = (
            f"indexed {self.indexed}, skipped {self.skipped}, moved {self.moved}, duplicates {self.duplicates}, "
            f"deleted {self.deleted}, failed {self.failed}, offline {self.offline}, unreachable {self.unreachable} "
            f"in {self.seconds:.1f} s ({self.rate:.1f} img/s)"
        )
        return text + (" — interrupted; run again to resume" if self.cancelled else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "indexed",
                "skipped",
                "moved",
                "duplicates",
                "deleted",
                "failed",
                "offline",
                "unreachable",
                "cancelled",
            )
        } | {
            "seconds": round(self.seconds, 3),
            "rate": round(self.rate, 2),
            "offline_roots": self.offline_roots,
            "denied_roots": self.denied_roots,
            "problems": [{"path": p, "reason": r} for p, r in self.problems],
        }


@dataclass(frozen=True)
class RootStatus:
    id: int
    path: str
    state: str
    counts: dict[str, int]
    last_scan: float | None


class Library:
    def __init__(
        self,
        paths: LibraryPaths,
        catalog: Catalog,
        spec: ModelSpec,
        *,
        weights: Path | None,
        device: str | None,
        backend: str | None = None,
        precision: str | None = None,
    ) -> None:
        self.paths = paths
        self.catalog = catalog
        self.spec = spec
        self.model_name = spec.name
        self._weights = weights
        self._device_pref = device
        self._backend_pref = backend
        self._precision = precision
        self._encoder: Encoder | None = None
        self._index: VectorIndex | None = None
        self._combiner: QueryCombiner | None = None
        self._combiner_checked = False
        self._combiner_lock = threading.Lock()  # a background training run swaps in its Combiner
        self._model_lock = threading.Lock()
        self._index_lock = threading.RLock()
        self._run_lock = threading.Lock()
        #: Whether loading a model makes it the library's model for later runs (the demo run on another
        #: library's folder must not change it).
        self.remember_model = True
        self._indexer_lock = IndexerLock(paths.root)
        #: How this process names itself to another indexer waiting for the library.
        self.indexer_name = "reframe"
        #: Extra exclusions (paths or globs) for the next runs only, not remembered (``index --exclude``).
        self.run_exclusions: list[str] = []

    # -- opening -----------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: str | Path | None = None,
        model: str | None = None,
        *,
        weights: Path | None = None,
        device: str | None = None,
        backend: str | None = None,
        precision: str | None = None,
    ) -> Library:
        """Open (creating if needed) the library in ``directory``.

        ``backend`` (``auto``/``onnx``/``torch``) and ``precision`` (``fp32``/``int8``) are checked here, so a
        bad choice is refused before any work; the model itself loads on first use.
        """
        from desktop.models.backend import check_precision, choose_backend

        choose_backend(backend, device)
        check_precision(precision)
        paths = LibraryPaths(resolve_library_dir(directory)).ensure()
        log.to_file(paths.logs)
        catalog = Catalog.open(paths.catalog)
        name = model or catalog.get_setting("model") or DEFAULT_MODEL
        spec = get_spec(name)
        if weights is not None and not Path(weights).exists():
            raise UsageError(f"weights file not found: {weights}")
        return cls(
            paths,
            catalog,
            spec,
            weights=Path(weights) if weights else None,
            device=device,
            backend=backend,
            precision=precision,
        )

    def close(self) -> None:
        with self._index_lock:
            if self._index is not None:
                self._index.flush()
        self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- model, index, combiner --------------------------------------------------------------------

    def load_model(self, progress: Callable[[int, int | None], None] | None = None) -> Encoder:
        with self._model_lock:
            if self._encoder is None:
                from desktop.models.loader import load_encoder

                self._encoder = load_encoder(
                    self.model_name,
                    self.paths,
                    weights=self._weights,
                    device=self._device_pref,
                    progress=progress,
                    backend=self._backend_pref,
                    precision=self._precision,
                )
                if self.remember_model:
                    self.catalog.writer().set_setting("model", self.model_name)
            return self._encoder

    @property
    def model_loaded(self) -> bool:
        return self._encoder is not None

    @property
    def device(self) -> str | None:
        return self._encoder.device if self._encoder is not None else None

    @property
    def backend(self) -> str:
        """``onnx`` or ``torch``: what runs the model (or will, once it loads)."""
        if self._encoder is not None:
            return getattr(self._encoder, "backend", "n/a")
        if self.spec.source == "test":
            return "n/a"
        from desktop.models.backend import choose_backend

        return choose_backend(self._backend_pref, self._device_pref)

    @property
    def precision(self) -> str:
        if self._encoder is not None:
            return getattr(self._encoder, "precision", "fp32")
        return self._precision or "fp32"

    @property
    def vector_index(self) -> VectorIndex:
        with self._index_lock:
            if self._index is None:
                idx = VectorIndex.open(self.paths.index_file(self.model_name), self.spec.dim, self.model_name)
                self._sync_index(idx)
                self._index = idx
            return self._index

    def _sync_index(self, idx: VectorIndex) -> None:
        """The catalog is the source of truth: bring the index to exactly its ids (rebuild if needed)."""
        ids = self.catalog.ids_with_vectors(self.model_name)
        if idx.needs_rebuild and len(ids):
            logger.warning("rebuilding the %s index from the catalog (%s)", self.model_name, idx.rebuild_reason)
            found, vecs = self.catalog.vectors(self.model_name)
            idx.rebuild(found, vecs)
            idx.needs_rebuild = False
            idx.save()
            return
        added, removed = idx.sync(ids, lambda part: self.catalog.vectors(self.model_name, part))
        if added or removed:
            idx.save()

    def combiner(self) -> QueryCombiner | None:
        """The Combiner for the active model (user-trained first, then bundled), or None. Runs in numpy."""
        with self._combiner_lock:
            if not self._combiner_checked:
                from desktop.compose.weights import default_search_dirs, find_combiner

                path = find_combiner(self.model_name, default_search_dirs(self.paths.combiners))
                if path is not None:
                    from desktop.compose.inference import load_query_combiner

                    self._combiner = load_query_combiner(path)
                self._combiner_checked = True
            return self._combiner

    def reload_combiner(self) -> None:
        """Look for the Combiner again at the next composed search (a new one was trained)."""
        with self._combiner_lock:
            self._combiner, self._combiner_checked = None, False

    def indexing_lock(self, *, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> Any:
        """Hold the library's one-indexer lock for a block of writes another indexer must not interleave with."""
        return self._indexer_lock.held(wait=wait, on_wait=on_wait, command=self.indexer_name)

    # -- roots ---------------------------------------------------------------------------------------

    def add_root(self, folder: str | Path) -> Root:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise UsageError(f"not a folder: {folder}")
        return self.catalog.writer().add_root(str(path.resolve()))

    def remove_root(self, root_id: int) -> None:
        self.catalog.writer().remove_root(root_id)
        with self._index_lock:
            if self._index is not None:
                self._sync_index(self._index)

    def roots(self) -> list[RootStatus]:
        return [RootStatus(r.id, r.path, r.state, self.catalog.counts(r.id), r.last_scan) for r in self.catalog.roots()]

    def excluded(self) -> list[str]:
        return json.loads(self.catalog.get_setting(SETTING_EXCLUDED) or "[]")

    def set_excluded(self, folders: Iterable[str]) -> None:
        self.catalog.writer().set_setting(SETTING_EXCLUDED, json.dumps(sorted(set(folders))))

    def failures(self, root_id: int | None = None) -> list[tuple[str, str]]:
        return self.catalog.failures(root_id)

    def unreachable(self, root_id: int | None = None) -> list[tuple[str, str]]:
        """``(path, why)`` of the images kept while their file or folder cannot be read."""
        return self.catalog.failures(root_id, state=UNREACHABLE)

    # -- indexing ------------------------------------------------------------------------------------

    def index(
        self,
        roots: Iterable[int] | None = None,
        *,
        progress: Callable[[IndexProgress], None] | None = None,
        cancel: threading.Event | None = None,
        batch_size: int | None = None,
        workers: int = 2,
        wait: bool = True,
        on_wait: Callable[[str], None] | None = None,
    ) -> IndexSummary:
        """Reconcile the given roots (all by default) with the disk and encode what is new.

        Only one indexer works on a library at a time, in any process: this waits for another one to
        finish (``on_wait`` is told whom it waits for), or raises :class:`LibraryBusy` with ``wait=False``.
        """
        t0 = time.perf_counter()
        with (
            self._run_lock,
            self._indexer_lock.held(wait=wait, on_wait=on_wait, cancel=cancel, command=self.indexer_name) as holding,
        ):
            if not holding:
                return IndexSummary(cancelled=True, seconds=time.perf_counter() - t0)
            return self._index_locked(roots, progress, cancel, batch_size, workers, t0)

    def _index_locked(
        self,
        roots: Iterable[int] | None,
        progress: Callable[[IndexProgress], None] | None,
        cancel: threading.Event | None,
        batch_size: int | None,
        workers: int,
        t0: float,
    ) -> IndexSummary:
        summary = IndexSummary()
        wanted = set(roots) if roots is not None else None
        targets = [r for r in self.catalog.roots() if wanted is None or r.id in wanted]
        loaded = self._index is not None
        index = self.vector_index  # opening it brings it up to date with the catalog
        if loaded:
            # Another process may have indexed since it was loaded: the catalog says what it should hold.
            with self._index_lock:
                self._sync_index(index)
        plans = self._reconcile(targets, summary, progress, cancel)
        if any(p.changed_ids for p in plans):
            with self._index_lock:
                self._sync_index(index)  # deletions, duplicates, restores and offline roots change the ids
        todo = [item for plan in plans for item in plan.to_encode]
        if summary.cancelled or (cancel is not None and cancel.is_set()):
            summary.cancelled = True
        elif todo:
            self._encode(todo, index, summary, progress, cancel, batch_size, workers)
        self.catalog.writer().set_setting(SETTING_LAST_SCAN, str(time.time()))
        # An unchanged rescan writes nothing: at 100k images the index file is ~250 MB.
        summary.seconds = time.perf_counter() - t0
        if progress:
            progress(IndexProgress("done", None, summary.indexed, summary.indexed))
        return summary

    def _reconcile(
        self,
        targets: list[Root],
        summary: IndexSummary,
        progress: Callable[[IndexProgress], None] | None,
        cancel: threading.Event | None,
    ) -> list[Plan]:
        """Bring the catalog up to date with the disk, root by root, adding what was found to ``summary``."""
        model_ids = set(self.catalog.ids_with_vectors(self.model_name).tolist())
        excluded = self.excluded() + list(self.run_exclusions)
        plans = []
        for root in targets:
            if cancel is not None and cancel.is_set():
                summary.cancelled = True
                break
            if progress:
                progress(IndexProgress("scanning", root.path, 0, 0))
            plan = reconcile_root(
                self.catalog, root, self.model_name, excluded=excluded, model_ids=model_ids, cancel=cancel
            )
            plans.append(plan)
            summary.add(plan)
        return plans

    def _encode(
        self,
        todo: list[ToEncode],
        index: VectorIndex,
        summary: IndexSummary,
        progress: Callable[[IndexProgress], None] | None,
        cancel: threading.Event | None,
        batch_size: int | None,
        workers: int,
    ) -> None:
        from desktop.ingest.pipeline import RateMeter, encode_items

        encoder = self.load_model()
        warm = getattr(encoder, "warm_images", None)  # ONNX Runtime: make the image session while decoding starts
        if callable(warm):
            warm()
        meter = RateMeter(len(todo))

        def on_batch(n: int) -> None:
            meter.add(n)
            if progress:
                progress(IndexProgress("encoding", None, meter.done, meter.total, meter.rate, meter.eta))

        if progress:
            progress(IndexProgress("encoding", None, 0, len(todo)))
        bs = batch_size or (256 if encoder.device == "cuda" else 32)
        try:
            stats = encode_items(
                todo,
                catalog=self.catalog,
                encoder=encoder,
                index=index,
                batch_size=bs,
                workers=workers,
                on_batch=on_batch,
                cancel=cancel,
            )
            summary.indexed += stats.indexed
            summary.failed += stats.failed
            summary.cancelled = stats.cancelled
        except KeyboardInterrupt:
            summary.cancelled = True
            raise
        finally:
            with self._index_lock:
                index.flush()

    def index_paths(self, paths: Iterable[str], **kwargs: Any) -> IndexSummary:
        """Reconcile the roots that contain ``paths`` (what a file watcher reports)."""
        roots = self.catalog.roots()
        hit: set[int] = set()
        for p in paths:
            for r in roots:
                if p == r.path or p.startswith(r.path.rstrip("/\\") + ("/" if "/" in r.path else "\\")):
                    hit.add(r.id)
        return self.index(sorted(hit), **kwargs) if hit else IndexSummary()

    # -- search --------------------------------------------------------------------------------------

    def _image_query(self, image: str | Path) -> tuple[np.ndarray, set[int]]:
        """Raw features of a reference image and the catalog ids that are that same image."""
        path = Path(image).expanduser()
        if not path.is_file():
            raise UsageError(f"reference image not found: {image}")
        exclude: set[int] = set()
        stored: np.ndarray | None = None
        row = self.catalog.image_by_path(str(path.absolute()))
        if row is not None:
            exclude.add(row.id)
            stored = self.catalog.vector(row.id, self.model_name)
        try:
            from desktop.ingest.hashing import quick_hash

            exclude.update(r.id for r in self.catalog.images_by_hash(quick_hash(path)))
        except OSError:
            pass
        if stored is not None:
            return stored.astype(np.float32), exclude
        from desktop.ingest.decode import decode_image

        encoder = self.load_model()
        try:
            decoded = decode_image(path, target_size=encoder.preprocess.size)
        except ImageError as exc:
            raise UsageError(f"cannot read the reference image {path}: {exc.message}") from exc
        pixels = encoder.preprocess(decoded.image)[None]
        return encoder.encode_images(pixels)[0], exclude

    def query_vector(
        self, text: str | None, image: str | Path | None, compose: str = "auto"
    ) -> tuple[QueryVector, set[int]]:
        text = (text or "").strip() or None
        if text is None and image is None:
            raise UsageError("give a text, an image, or both")
        if image is None:
            raw = self.load_model().encode_texts([text])[0]  # type: ignore[list-item]
            return QueryVector(normalize(raw), "text"), set()
        img_raw, exclude = self._image_query(image)
        if text is None:
            return QueryVector(normalize(img_raw), "image"), exclude
        txt_raw = self.load_model().encode_texts([text])[0]
        return compose_vector(img_raw, txt_raw, self.combiner(), compose, self.model_name), exclude

    def search(
        self,
        text: str | None = None,
        image: str | Path | None = None,
        k: int = 20,
        compose: str = "auto",
        exclude_ids: set[int] | None = None,
    ) -> SearchResult:
        if k < 1:
            raise UsageError("k must be at least 1")
        qv, exclude = self.query_vector(text, image, compose)
        exclude |= exclude_ids or set()
        with self._index_lock:
            index = self.vector_index
        found = index.search(qv.vector, k, exclude=exclude or None)
        paths = self.catalog.paths_for_ids([i for i, _ in found])
        hits = [Hit(i, paths[i], float(s)) for i, s in found if i in paths]
        return SearchResult(hits, qv.mode, qv.note)

    def find(self, request: SearchRequest) -> Found:
        """A search with terms, filters, paging and a result count, or browsing (see desktop.search.engine)."""
        from desktop.search.engine import run

        return run(self, request)

    # -- status --------------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        from desktop.models.loader import weights_status

        last = self.catalog.get_setting(SETTING_LAST_SCAN)
        index_file = self.paths.index_file(self.model_name)
        return {
            "library": str(self.paths.root),
            "model": self.model_name,
            "weights": weights_status(self.model_name, self.paths),
            "device": self.device,
            "backend": self.backend,
            "precision": self.precision,
            "roots": [
                {"id": r.id, "path": r.path, "state": r.state, "counts": r.counts, "last_scan": r.last_scan}
                for r in self.roots()
            ],
            "counts": self.catalog.counts(),
            "vectors": len(self.catalog.ids_with_vectors(self.model_name)),
            "index_file_bytes": index_file.stat().st_size if index_file.exists() else 0,
            "last_scan": float(last) if last else None,
        }


__all__ = ["INDEXED", "Hit", "IndexProgress", "IndexSummary", "Library", "RootStatus", "SearchResult"]
