"""One hnswlib index per model, keyed by catalog image ids.

Vectors are stored L2-normalised in hnswlib's inner-product space, so a hit's score is its cosine
similarity. The catalog is the source of truth: an index that is missing, damaged or made for
another model opens empty with ``needs_rebuild`` set, and :meth:`VectorIndex.sync` or
:meth:`VectorIndex.rebuild` refill it from the catalog. Opening never fails on a bad file.

Removed ids are only marked deleted in hnswlib; new ids reuse their slots, so the file does not
grow with churn. Every hnswlib call holds one lock, so searches and updates may come from
different threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from pathlib import Path

import hnswlib
import numpy as np

from desktop import log as logs
from desktop.files import crc32_of, remove_stale_temps, replace_with, write_bytes_atomic
from desktop.models.encoder import normalize
from desktop.vectors.exact import exact_search
from desktop.vectors.hnsw_file import check_hnsw_file
from desktop.vectors.sidecar import Sidecar, sidecar_path

log = logs.get("vectors")

M = 32
EF_CONSTRUCTION = 200
EF_SEARCH = 64
#: Breadth beyond k for a search: twice k for a page of results, k + 512 for the long rankings the
#: result-count cut reads (2,048-8,192 deep, where 2k cost twice as much for ~1 % more of the true list: at
#: 1M photos 7 vs 16 ms for 2,048 and 34 vs 65 ms for 8,192, ``benchmarks/scale_1m.py``).
WIDE_MARGIN = 512
INITIAL_CAPACITY = 1024
SEED = 100
SYNC_CHUNK = 4096

Fetch = Callable[[np.ndarray], np.ndarray | tuple[np.ndarray, np.ndarray]]


def _new_hnsw(dim: int, capacity: int) -> hnswlib.Index:
    index = hnswlib.Index(space="ip", dim=dim)
    index.init_index(
        max_elements=capacity,
        M=M,
        ef_construction=EF_CONSTRUCTION,
        random_seed=SEED,
        allow_replace_deleted=True,
    )
    return index


class VectorIndex:
    def __init__(self, path: Path, dim: int, model: str) -> None:
        """An empty index; use :meth:`open` to load the saved one."""
        self.path = Path(path)
        self.dim = dim
        self.model = model
        #: ef for searches; a search for k uses ``max(ef_search, k + min(k, WIDE_MARGIN))``.
        self.ef_search = EF_SEARCH
        #: Threads hnswlib may use to add vectors (-1: all cores).
        self.threads = -1
        self.needs_rebuild = False
        self.rebuild_reason: str | None = None
        self._lock = threading.RLock()
        self._hnsw = _new_hnsw(dim, INITIAL_CAPACITY)
        self._live: set[int] = set()
        self._deleted: set[int] = set()  # labels hnswlib still has, marked deleted
        self.dirty = False  # changed since the last save or load

    @classmethod
    def open(cls, path: Path, dim: int, model: str) -> VectorIndex:
        for stale in remove_stale_temps(Path(path).parent):
            log.info("removed %s, left by a save that was killed", stale.name)
        index = cls(path, dim, model)
        reason = index._load()
        if reason is not None:
            # A new library simply has no index yet; anything else is worth a warning.
            level = logging.INFO if reason == "no index file" else logging.WARNING
            log.log(level, "vector index %s cannot be used (%s); starting empty, to rebuild", path, reason)
            index.needs_rebuild = True
            index.rebuild_reason = reason
        return index

    def _load(self) -> str | None:
        """Load the saved index; return why it cannot be used, or None."""
        if not self.path.exists():
            return "no index file"
        try:
            side = Sidecar.load(sidecar_path(self.path))
        except (OSError, ValueError) as exc:
            return f"its sidecar is missing or unreadable: {exc}"
        if side.model != self.model:
            return f"it was built for model {side.model!r}, not {self.model!r}"
        if side.dim != self.dim or side.space != "ip":
            return f"it holds {side.dim}-d vectors in space {side.space!r}, not {self.dim}-d in 'ip'"
        try:
            size_crc = crc32_of(self.path)
        except OSError as exc:
            return f"the file cannot be read: {exc}"
        if size_crc != (side.size, side.crc32):
            return "the file does not match its checksum (damaged, or an interrupted save)"
        hnsw = hnswlib.Index(space="ip", dim=self.dim)
        try:
            hnsw.load_index(str(self.path), allow_replace_deleted=True)
        except (RuntimeError, MemoryError, ValueError) as exc:
            return f"hnswlib cannot read it: {exc}"
        labels = {int(i) for i in hnsw.get_ids_list()}
        deleted = set(side.deleted)
        if not deleted <= labels or len(labels) - len(deleted) != side.count:
            return "its ids disagree with its sidecar"
        self._hnsw, self._live, self._deleted = hnsw, labels - deleted, deleted
        return None

    # -- contents --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, image_id: object) -> bool:
        return image_id in self._live

    def ids(self) -> set[int]:
        """The ids that searches can return."""
        with self._lock:
            return set(self._live)

    @property
    def capacity(self) -> int:
        return int(self._hnsw.max_elements)

    def _prepare(self, ids: Iterable[int] | np.ndarray, vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Checked int64 ids and normalised float32 rows; an id given twice keeps its last row."""
        labels = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids), dtype=np.int64).reshape(-1)
        if len(labels) == 0:
            return labels, np.empty((0, self.dim), dtype=np.float32)
        rows = np.asarray(vecs, dtype=np.float32)
        if rows.shape != (len(labels), self.dim):
            raise ValueError(f"expected vectors of shape ({len(labels)}, {self.dim}), got {rows.shape}")
        if (labels < 0).any():
            raise ValueError("ids must not be negative")
        if not np.isfinite(rows).all():
            raise ValueError("vectors must be finite")
        if len(np.unique(labels)) != len(labels):
            _, first_from_end = np.unique(labels[::-1], return_index=True)
            keep = np.sort(len(labels) - 1 - first_from_end)
            labels, rows = labels[keep], rows[keep]
        return labels, normalize(rows)

    def add(self, ids: Iterable[int] | np.ndarray, vecs: np.ndarray) -> None:
        """Add or replace vectors (raw or normalised; they are normalised here)."""
        labels, rows = self._prepare(ids, vecs)
        if len(labels) == 0:
            return
        with self._lock:
            self.dirty = True
            known = np.fromiter(
                (int(i) in self._live or int(i) in self._deleted for i in labels), dtype=bool, count=len(labels)
            )
            if known.any():
                # Existing ids are updated in place (deleted ones come back first). They must not
                # take the replace-deleted path, which would give them a second slot.
                for i in labels[known].tolist():
                    if i in self._deleted:
                        self._hnsw.unmark_deleted(i)
                        self._deleted.discard(i)
                        self._live.add(i)
                self._hnsw.add_items(rows[known], labels[known], num_threads=self.threads)
            fresh = ~known
            if fresh.any():
                self._reserve(int(fresh.sum()))
                self._hnsw.add_items(rows[fresh], labels[fresh], num_threads=self.threads, replace_deleted=True)
                self._live.update(labels[fresh].tolist())
                if self._deleted:  # some deleted slots may now hold new ids
                    self._deleted &= {int(i) for i in self._hnsw.get_ids_list()}

    def _reserve(self, extra: int) -> None:
        need = int(self._hnsw.element_count) + extra
        capacity = int(self._hnsw.max_elements)
        if need > capacity:
            self._hnsw.resize_index(max(need, 2 * capacity))

    def remove(self, ids: Iterable[int] | np.ndarray) -> int:
        """Stop returning these ids; unknown ones are ignored. Returns how many were removed."""
        removed = 0
        with self._lock:
            for i in np.asarray(ids if isinstance(ids, np.ndarray) else list(ids), dtype=np.int64).tolist():
                if i in self._live:
                    self._hnsw.mark_deleted(i)
                    self._live.discard(i)
                    self._deleted.add(i)
                    removed += 1
            self.dirty = self.dirty or removed > 0
        return removed

    # -- search ----------------------------------------------------------------------------------

    def search(
        self,
        vec: np.ndarray,
        k: int,
        exclude: AbstractSet[int] | None = None,
        *,
        allow: AbstractSet[int] | None = None,
        ef: int | None = None,
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest ids by cosine similarity, best first, never one in ``exclude``.

        With ``allow``, only ids in it (hnswlib's filter callback); ``ef`` overrides the search breadth.
        """
        query = normalize(np.asarray(vec, dtype=np.float32).reshape(-1))
        if query.shape != (self.dim,):
            raise ValueError(f"expected a {self.dim}-d query, got shape {query.shape}")
        banned: AbstractSet[int] = exclude or frozenset()
        with self._lock:
            # With ``allow``, its size bounds k (intersecting a large set with the live ids each query
            # would cost more than the search); if some allowed ids are not here, the retries below cope.
            pool: AbstractSet[int] = self._live if allow is None else allow
            k = min(k, len(pool) - sum(1 for i in banned if i in pool))
            if k <= 0:
                return []
            keep = (lambda label: label not in banned) if banned else None
            if allow is not None:
                keep = (lambda label: label in allow and label not in banned) if banned else allow.__contains__
            # hnswlib gives up when its search finds fewer than k candidates; retry exhaustively,
            # then fall back to brute force over the live vectors.
            first_ef = ef or max(self.ef_search, k + min(k, WIDE_MARGIN))
            for breadth in (first_ef, len(self._live) + len(self._deleted)):
                self._hnsw.set_ef(max(breadth, k))
                try:
                    labels, dists = self._hnsw.knn_query(query, k=k, num_threads=1, filter=keep)
                except RuntimeError:
                    continue
                return [(int(i), 1.0 - float(d)) for i, d in zip(labels[0], dists[0], strict=True)]
            log.warning("hnswlib search failed for k=%d; searching %s exactly", k, self.path.name)
            candidates = np.array(sorted((self._live & pool) - set(banned)), dtype=np.int64)
            vecs = np.asarray(self._hnsw.get_items(candidates), dtype=np.float32)
            return exact_search(vecs, query, k, ids=candidates)

    def neighbours(self, vecs: np.ndarray, k: int, ef: int = EF_SEARCH) -> tuple[np.ndarray, np.ndarray]:
        """Batch search (all cores): ``(ids (n, k), cosine scores (n, k))``, best first; ``k`` is capped at the size."""
        rows = normalize(np.asarray(vecs, dtype=np.float32).reshape(-1, self.dim))
        with self._lock:
            k = min(k, len(self._live))
            if k <= 0 or len(rows) == 0:
                return np.empty((len(rows), 0), np.int64), np.empty((len(rows), 0), np.float32)
            self._hnsw.set_ef(max(ef, k))
            labels, dists = self._hnsw.knn_query(rows, k=k, num_threads=self.threads)
        return labels.astype(np.int64), (1.0 - dists).astype(np.float32)

    def vectors_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(found_ids, normalised vectors)`` for those of ``ids`` the index can return, in their order."""
        with self._lock:
            wanted = np.asarray(ids, dtype=np.int64).reshape(-1)
            found = np.fromiter((i for i in wanted.tolist() if i in self._live), dtype=np.int64)
            if len(found) == 0:
                return found, np.empty((0, self.dim), np.float32)
            return found, np.asarray(self._hnsw.get_items(found), dtype=np.float32)

    # -- bulk ------------------------------------------------------------------------------------

    def sync(self, catalog_ids: np.ndarray, fetch_vectors: Fetch) -> tuple[int, int]:
        """Make the index hold exactly ``catalog_ids``; return ``(added, removed)``.

        ``fetch_vectors(ids)`` returns their vectors as an array aligned with ``ids``, or as
        ``(found_ids, vectors)`` when some have gone meanwhile (e.g. ``catalog.vectors(model, ids)``).
        Ids already here are assumed current. Do not add or remove from other threads meanwhile.
        """
        want = set(np.asarray(catalog_ids, dtype=np.int64).reshape(-1).tolist())
        have = self.ids()
        removed = self.remove(have - want)
        missing = np.array(sorted(want - have), dtype=np.int64)
        added = 0
        for start in range(0, len(missing), SYNC_CHUNK):
            part = missing[start : start + SYNC_CHUNK]
            got = fetch_vectors(part)
            part_ids, vecs = got if isinstance(got, tuple) else (part, got)
            self.add(part_ids, vecs)
            added += len(part_ids)
        self.needs_rebuild = False
        self.rebuild_reason = None
        if added or removed:
            log.info("vector index %s synced: %d added, %d removed", self.path.name, added, removed)
        return added, removed

    def rebuild(self, ids: Iterable[int] | np.ndarray, vecs: np.ndarray) -> None:
        """Replace the whole content with these vectors.

        Searches keep using the old graph until the new one is built; adds and removes made by
        other threads meanwhile are lost, so :meth:`sync` afterwards if that can happen.
        """
        labels, rows = self._prepare(ids, vecs)
        fresh = _new_hnsw(self.dim, max(INITIAL_CAPACITY, len(labels) + len(labels) // 4))
        if len(labels):
            fresh.add_items(rows, labels, num_threads=self.threads)
        with self._lock:
            self._hnsw, self._live, self._deleted = fresh, set(labels.tolist()), set()
            self.dirty = True
        self.needs_rebuild = False
        self.rebuild_reason = None

    def save(self) -> None:
        """Write the index and its sidecar, each atomically (a crash keeps the previous save)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            count = int(self._hnsw.element_count)
            size, crc = replace_with(
                self.path,
                lambda tmp: self._hnsw.save_index(str(tmp)),
                verify=lambda tmp: check_hnsw_file(tmp, count),  # hnswlib does not report a short write
            )
            side = Sidecar(
                model=self.model,
                dim=self.dim,
                count=len(self._live),
                size=size,
                crc32=crc,
                deleted=sorted(self._deleted),
            )
            write_bytes_atomic(sidecar_path(self.path), side.dumps())
            self.dirty = False

    def flush(self) -> None:
        """Save only if something changed since the last save (an unchanged rescan writes nothing)."""
        if self.dirty:
            self.save()
