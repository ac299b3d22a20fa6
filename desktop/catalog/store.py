"""The catalog: the library's source of truth, in one SQLite file.

Reads work from any thread: each thread gets its own read-only connection (WAL lets them run
while the writer writes). Writes go through the one :class:`CatalogWriter` from :meth:`writer`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from desktop.catalog import codec, schema
from desktop.catalog.rows import (
    FAILED,
    IMAGE_COLUMNS,
    IMAGE_STATES,
    INDEXED,
    ROOT_COLUMNS,
    UNREACHABLE,
    ImageRow,
    Root,
)
from desktop.catalog.writer import CatalogWriter, chunks, placeholders
from desktop.errors import LibraryError

_T = TypeVar("_T")
#: Cached reads kept per reader connection before the cache starts afresh (see Catalog._cached).
_CACHED_READS = 64


class Catalog:
    def __init__(self, path: Path) -> None:
        """Use :meth:`open`, which also creates or upgrades the file."""
        self.path = path
        self._local = threading.local()
        self._readers: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        self._writer: CatalogWriter | None = None
        self._closed = False

    @classmethod
    def open(cls, path: Path) -> Catalog:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            schema.prepare(path)
        except sqlite3.DatabaseError as exc:
            raise LibraryError(
                f"cannot open the library catalog {path}: {exc}",
                hint="Is it a Reframe library, on a writable disk?",
            ) from exc
        except OSError as exc:
            raise LibraryError(f"cannot create the library catalog {path}: {exc}") from exc
        return cls(path)

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection (the writer's and each thread's reader)."""
        with self._lock:
            self._closed = True
            readers, self._readers = self._readers, []
            writer, self._writer = self._writer, None
        for _, conn in readers:
            conn.close()
        if writer is not None:
            writer.close()

    # -- connections -----------------------------------------------------------------------------

    def writer(self) -> CatalogWriter:
        """The catalog's single writer (made on first use, then always the same object)."""
        with self._lock:
            self._check_open()
            if self._writer is None:
                self._writer = CatalogWriter(schema.connect(self.path))
            return self._writer

    def _check_open(self) -> None:
        if self._closed:
            raise LibraryError(f"the catalog {self.path} is closed")

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and not self._closed:
            return conn
        with self._lock:
            self._check_open()
            # Close the connections of threads that have ended, so a pool that churns threads
            # does not pile them up.
            alive = []
            for thread, other in self._readers:
                if thread.is_alive():
                    alive.append((thread, other))
                else:
                    other.close()
            conn = schema.connect(self.path, read_only=True)
            alive.append((threading.current_thread(), conn))
            self._readers = alive
        self._local.conn = conn
        return conn

    def _query(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        return self._reader().execute(sql, tuple(params)).fetchall()

    def _cached(self, key: str, compute: Callable[[sqlite3.Connection], _T]) -> _T:
        """A read whose answer holds until the catalog changes (a count over a million rows, say).

        Kept per reader connection, and dropped when SQLite's ``data_version`` moves: it does when another
        connection (the catalog's one writer, in this process or another) commits, and readers never write.
        """
        conn = self._reader()
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        cache = getattr(self._local, "cache", None)
        if cache is None or cache[0] is not conn or cache[1] != version or len(cache[2]) > _CACHED_READS:
            cache = (conn, version, {})
            self._local.cache = cache
        answers: dict[str, Any] = cache[2]
        if key not in answers:
            answers[key] = compute(conn)
        return answers[key]

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction, so several queries see the same state of the catalog."""
        conn = self._reader()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    # -- roots and images ------------------------------------------------------------------------

    def roots(self) -> list[Root]:
        return [Root(*r) for r in self._query(f"SELECT {ROOT_COLUMNS} FROM roots ORDER BY id")]

    def root(self, root_id: int) -> Root | None:
        rows = self._query(f"SELECT {ROOT_COLUMNS} FROM roots WHERE id = ?", (root_id,))
        return Root(*rows[0]) if rows else None

    def image(self, image_id: int) -> ImageRow | None:
        rows = self._query(f"SELECT {IMAGE_COLUMNS} FROM images WHERE id = ?", (image_id,))
        return ImageRow(*rows[0]) if rows else None

    def image_by_path(self, path: str | os.PathLike[str]) -> ImageRow | None:
        rows = self._query(f"SELECT {IMAGE_COLUMNS} FROM images WHERE path = ?", (os.fspath(path),))
        return ImageRow(*rows[0]) if rows else None

    def images_under(self, root_id: int) -> dict[str, ImageRow]:
        """Every image of a root, by path: what a rescan compares the disk against."""
        rows = self._query(f"SELECT {IMAGE_COLUMNS} FROM images WHERE root_id = ?", (root_id,))
        make = ImageRow._make
        return {r[2]: make(r) for r in rows}

    def images_by_hash(self, hash: str) -> list[ImageRow]:
        rows = self._query(f"SELECT {IMAGE_COLUMNS} FROM images WHERE hash = ? ORDER BY id", (hash,))
        return [ImageRow(*r) for r in rows]

    def paths_for_ids(self, ids: Iterable[int]) -> dict[int, str]:
        """Paths of the given image ids; unknown ids are left out."""
        out: dict[int, str] = {}
        with self._snapshot() as conn:
            for part in chunks(ids):
                sql = f"SELECT id, path FROM images WHERE id IN ({placeholders(len(part))})"
                out.update(conn.execute(sql, part).fetchall())
        return out

    def counts(self, root_id: int | None = None) -> dict[str, int]:
        """Images per state (every state present, zero included), for one root or all."""
        if root_id is None:
            rows = self._query("SELECT state, COUNT(*) FROM images GROUP BY state")
        else:
            rows = self._query("SELECT state, COUNT(*) FROM images WHERE root_id = ? GROUP BY state", (root_id,))
        out = dict.fromkeys(sorted(IMAGE_STATES), 0)
        out.update(rows)
        return out

    def failures(self, root_id: int | None = None, state: str = FAILED) -> list[tuple[str, str]]:
        """``(path, why)`` of every image that could not be read, by path.

        With ``state=UNREACHABLE``, the images kept while they cannot be read, with their note.
        """
        column = "note" if state == UNREACHABLE else "error"
        sql = f"SELECT path, COALESCE({column}, '') FROM images WHERE state = ?"
        params: tuple[object, ...] = (state,)
        if root_id is not None:
            sql += " AND root_id = ?"
            params += (root_id,)
        return [(p, e) for p, e in self._query(sql + " ORDER BY path", params)]

    # -- embeddings ------------------------------------------------------------------------------

    def vectors(self, model: str, ids: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Raw vectors of ``model`` for indexed images, by ascending id: ``(ids int64, (n, dim) float32)``.

        With ``ids``, only those among them (ids without a vector, or not indexed, are left out).
        No vectors gives an empty id array and a (0, 0) matrix.
        """
        base = (
            "SELECT e.image_id, e.vector FROM embeddings e JOIN images i ON i.id = e.image_id"
            " WHERE e.model = ? AND i.state = ?"
        )
        if ids is None:
            rows = self._query(base + " ORDER BY e.image_id", (model, INDEXED))
        else:
            rows = []
            with self._snapshot() as conn:
                for part in chunks(sorted(set(int(i) for i in ids))):
                    sql = base + f" AND e.image_id IN ({placeholders(len(part))}) ORDER BY e.image_id"
                    rows += conn.execute(sql, (model, INDEXED, *part)).fetchall()
        found = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return found, codec.decode_many([r[1] for r in rows])

    def vector(self, image_id: int, model: str) -> np.ndarray | None:
        """One image's stored vector for ``model`` (whatever the image's state), or None."""
        rows = self._query("SELECT vector FROM embeddings WHERE image_id = ? AND model = ?", (image_id, model))
        return codec.decode(rows[0][0]) if rows else None

    def ids_with_vectors(self, model: str) -> np.ndarray:
        """Ids of indexed images that have a vector for ``model``: what its index should hold."""
        rows = self._query(
            "SELECT e.image_id FROM embeddings e JOIN images i ON i.id = e.image_id"
            " WHERE e.model = ? AND i.state = ? ORDER BY e.image_id",
            (model, INDEXED),
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    # -- settings --------------------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else default
