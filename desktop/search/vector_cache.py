"""The stored vectors of one model, in memory as float16, for exact search over a filtered subset.

Reading a subset's vectors from SQLite costs tens of microseconds a row (65-85 ms for 1,000 rows on the shared
2-core machine, ``benchmarks/filtered_search.py``); gathering them from a matrix in memory costs about a
microsecond. The matrix is read from the catalog at the first filtered search (float16, as stored: 1 KiB a
photo at 512-d, so 1 GiB at a million photos) and kept. A vector never changes under its id (new content gets
a new id), so the cache never goes stale; ids indexed after it was read are fetched from the catalog and added.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

import numpy as np

from desktop.catalog import Catalog, queries

if TYPE_CHECKING:
    from desktop.library import Library


LOAD_SLICE = 50_000


class VectorCache:
    def __init__(self, catalog: Catalog, model: str) -> None:
        self.catalog = catalog
        self.model = model
        self._lock = threading.Lock()
        self._ids: np.ndarray | None = None  # sorted int64
        self._vecs: np.ndarray | None = None  # float16, row i belongs to _ids[i]

    def _load(self) -> None:
        # In slices, each turned into float16 at once: reading all rows in one go held every blob, their join
        # and a float32 copy together (peak RSS 6.3 GiB at a million 512-d vectors for a 1 GiB result).
        ids = self.catalog.ids_with_vectors(self.model)  # ascending
        parts_ids, parts = [], []
        for start in range(0, len(ids), LOAD_SLICE):
            found, vecs = self.catalog.vectors(self.model, ids[start : start + LOAD_SLICE])
            parts_ids.append(found)
            parts.append(vecs.astype(np.float16))
        self._ids = np.concatenate(parts_ids) if parts_ids else np.empty(0, np.int64)
        self._vecs = np.concatenate(parts) if parts else np.empty((0, 0), np.float16)

    def _lookup(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of ``wanted`` in the matrix, and which of them are there at all."""
        assert self._ids is not None
        if len(self._ids) == 0:
            return np.zeros(len(wanted), np.int64), np.zeros(len(wanted), bool)
        pos = np.minimum(np.searchsorted(self._ids, wanted), len(self._ids) - 1)
        return pos, self._ids[pos] == wanted

    def fetch(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(found ids, float32 vectors)`` for ``wanted`` (ids without a stored vector are left out)."""
        wanted = np.asarray(wanted, dtype=np.int64)
        with self._lock:
            if self._ids is None:
                self._load()
            assert self._ids is not None and self._vecs is not None
            pos, hit = self._lookup(wanted)
            if not hit.all():  # indexed since the matrix was read
                new_ids, new_vecs = queries.vectors_for(self.catalog, self.model, wanted[~hit])
                if len(new_ids):
                    ids = np.concatenate([self._ids, new_ids])
                    vecs = np.concatenate([self._vecs.reshape(len(self._ids), -1), new_vecs.astype(np.float16)])
                    order = np.argsort(ids, kind="stable")
                    self._ids, self._vecs = ids[order], vecs[order]
                    pos, hit = self._lookup(wanted)
            return wanted[hit], self._vecs[pos[hit]].astype(np.float32)


_CACHES: weakref.WeakKeyDictionary[Library, VectorCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(lib: Library) -> VectorCache:
    with _CACHES_LOCK:
        cache = _CACHES.get(lib)
        if cache is None or cache.model != lib.model_name:
            cache = _CACHES[lib] = VectorCache(lib.catalog, lib.model_name)
        return cache
