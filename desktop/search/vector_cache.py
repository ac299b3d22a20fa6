"""The stored vectors of one model, in memory as float16 unit vectors, for exact search over a filtered subset.

Reading a subset's vectors from SQLite costs tens of microseconds a row (65-85 ms for 1,000 rows on the shared
2-core machine, ``benchmarks/filtered_search.py``); gathering them from a matrix in memory costs about a
microsecond. The matrix is read from the catalog at the first filtered search (float16, as stored: 1 KiB a
photo at 512-d, so 1 GiB at a million photos) and kept. A vector never changes under its id (new content gets
a new id), so the cache never goes stale; ids indexed after it was read are fetched from the catalog and added.
Rows are normalised as they are read, so a score is one dot product (``desktop.vectors.subset_scores``).
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

import numpy as np

from desktop.catalog import Catalog, queries
from desktop.models.encoder import normalize
from desktop.vectors.exact import locate
from desktop.vectors.subset_scores import SubsetScorer

if TYPE_CHECKING:
    from desktop.library import Library


LOAD_SLICE = 50_000


class VectorCache:
    def __init__(self, catalog: Catalog, model: str) -> None:
        self.catalog = catalog
        self.model = model
        self._lock = threading.Lock()
        self._ids: np.ndarray | None = None  # sorted int64
        self._vecs: np.ndarray | None = None  # float16 unit vectors, row i belongs to _ids[i]
        self._scorer: SubsetScorer | None = None

    def _load(self) -> None:
        # In slices, each normalised and turned into float16 straight into the matrix: reading all rows in one go
        # held every blob, their join and a float32 copy together (peak RSS 6.3 GiB at a million 512-d vectors
        # for a 1 GiB result), and joining slices at the end held the matrix twice.
        ids = self.catalog.ids_with_vectors(self.model)  # ascending
        found_ids = np.empty(len(ids), np.int64)
        matrix: np.ndarray | None = None
        filled = 0
        for start in range(0, len(ids), LOAD_SLICE):
            found, vecs = self.catalog.vectors(self.model, ids[start : start + LOAD_SLICE])
            if len(found) == 0:
                continue
            if matrix is None:
                matrix = np.empty((len(ids), vecs.shape[1]), np.float16)
            matrix[filled : filled + len(found)] = normalize(vecs)
            found_ids[filled : filled + len(found)] = found
            filled += len(found)
        self._ids = found_ids[:filled]
        self._vecs = matrix[:filled] if matrix is not None else np.empty((0, 0), np.float16)
        self._scorer = None

    def _rows(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of ``wanted`` in the matrix (read first, or grown by ids indexed since), and which are there."""
        if self._ids is None:
            self._load()
        assert self._ids is not None and self._vecs is not None
        pos, hit = locate(self._ids, wanted)
        if not hit.all():  # indexed since the matrix was read
            new_ids, new_vecs = queries.vectors_for(self.catalog, self.model, wanted[~hit])
            if len(new_ids):
                ids = np.concatenate([self._ids, new_ids])
                unit = normalize(new_vecs).astype(np.float16)
                vecs = np.concatenate([self._vecs.reshape(len(self._ids), -1), unit])
                order = np.argsort(ids, kind="stable")
                self._ids, self._vecs, self._scorer = ids[order], vecs[order], None
                pos, hit = locate(self._ids, wanted)
        return pos, hit

    def load(self) -> None:
        """Read the matrix now (the first filtered search does otherwise)."""
        with self._lock:
            if self._ids is None:
                self._load()

    def scores(self, wanted: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(found ids, cosine of each with the unit vector query)`` for ``wanted`` (ids without a stored vector are
        left out)."""
        wanted = np.asarray(wanted, dtype=np.int64)
        with self._lock:
            pos, hit = self._rows(wanted)
            if self._scorer is None:
                assert self._vecs is not None
                self._scorer = SubsetScorer(self._vecs)
            scorer = self._scorer
        return wanted[hit], scorer(pos[hit], query)


_CACHES: weakref.WeakKeyDictionary[Library, VectorCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(lib: Library) -> VectorCache:
    with _CACHES_LOCK:
        cache = _CACHES.get(lib)
        if cache is None or cache.model != lib.model_name:
            cache = _CACHES[lib] = VectorCache(lib.catalog, lib.model_name)
        return cache
