"""The catalog's single writer: one connection, one lock, explicit batch transactions.

``with writer.batch():`` opens a ``BEGIN IMMEDIATE`` transaction that commits when the block ends
and rolls back when it raises, so a crash or kill loses at most the batch in flight. Every method
also works outside a batch (it then commits on its own); inside one it joins it. A nested
``batch()`` is a savepoint: if it raises, only its own changes are undone.

Reads through :class:`~desktop.catalog.store.Catalog` use other connections and see committed data
only, not the writes of a batch still open.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from desktop.catalog import codec
from desktop.catalog.derived import captured_at, file_time, kind_from_path
from desktop.catalog.rows import (
    FAILED,
    ROOT_COLUMNS,
    ROOT_OK,
    UNREACHABLE,
    Root,
    check_image_state,
    check_root_state,
)

#: Ids per ``IN (...)`` list, under SQLite's oldest limit on bound parameters (999).
CHUNK = 900


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    batch: list[int] = []
    for i in ids:
        batch.append(int(i))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def placeholders(n: int) -> str:
    return ",".join("?" * n)


class CatalogWriter:
    """Made by :meth:`Catalog.writer`; there is one per open catalog."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def batch(self) -> Iterator[CatalogWriter]:
        commit: tuple[str, ...]
        undo: tuple[str, ...]
        with self._lock:
            if self._depth == 0:
                begin, commit, undo = "BEGIN IMMEDIATE", ("COMMIT",), ("ROLLBACK",)
            else:
                name = f"batch_{self._depth}"
                begin, commit, undo = (
                    f"SAVEPOINT {name}",
                    (f"RELEASE {name}",),
                    (
                        f"ROLLBACK TO {name}",
                        f"RELEASE {name}",
                    ),
                )
            self._conn.execute(begin)
            self._depth += 1
            try:
                yield self
                self._run(commit)
            except BaseException:
                if self._conn.in_transaction:
                    self._run(undo)
                raise
            finally:
                self._depth -= 1

    def _run(self, statements: tuple[str, ...]) -> None:
        for statement in statements:
            self._conn.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- roots -----------------------------------------------------------------------------------

    def add_root(self, path: str | os.PathLike[str]) -> Root:
        """Add a folder to the library; adding one already there returns it unchanged."""
        key = os.fspath(Path(path))
        with self.batch():
            self._conn.execute(
                "INSERT INTO roots (path, added_at, state) VALUES (?, ?, ?) ON CONFLICT(path) DO NOTHING",
                (key, time.time(), ROOT_OK),
            )
            row = self._conn.execute(f"SELECT {ROOT_COLUMNS} FROM roots WHERE path = ?", (key,)).fetchone()
        return Root(*row)

    def remove_root(self, root_id: int) -> None:
        """Forget a folder with all its images and their embeddings."""
        with self.batch():
            self._conn.execute("DELETE FROM roots WHERE id = ?", (root_id,))

    def set_root_state(self, root_id: int, state: str, last_scan: float | None = None) -> None:
        """Set a root's state, and its last scan time when ``last_scan`` is given."""
        check_root_state(state)
        with self.batch():
            self._conn.execute(
                "UPDATE roots SET state = ?, last_scan = COALESCE(?, last_scan) WHERE id = ?",
                (state, last_scan, root_id),
            )

    # -- images ----------------------------------------------------------------------------------

    def upsert_image(
        self,
        path: str | os.PathLike[str],
        root_id: int,
        size: int,
        mtime_ns: int,
        hash: str | None,
        width: int | None,
        height: int | None,
        taken_at: str | None,
        state: str,
        error: str | None = None,
        note: str | None = None,
        *,
        kind: str | None = None,
    ) -> int:
        """Insert or update the image at ``path`` and return its id (kept when the path exists).

        Vectors describe content: when the stored hash differs from ``hash``, the image's
        embeddings of every model are dropped. ``kind`` is what the decoder found (jpeg, png, ...);
        without it a new row takes the extension's and an updated row keeps the one it had.
        """
        check_image_state(state)
        key = os.fspath(path)
        now = time.time()
        captured = captured_at(taken_at, mtime_ns)
        with self.batch():
            old = self._conn.execute("SELECT id, hash FROM images WHERE path = ?", (key,)).fetchone()
            if old is None:
                cur = self._conn.execute(
                    "INSERT INTO images (root_id, path, size, mtime_ns, hash, width, height, taken_at,"
                    " state, error, updated_at, note, kind, captured)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        root_id,
                        key,
                        size,
                        mtime_ns,
                        hash,
                        width,
                        height,
                        taken_at,
                        state,
                        error,
                        now,
                        note,
                        kind or kind_from_path(key),
                        captured,
                    ),
                )
                assert cur.lastrowid is not None
                return cur.lastrowid
            image_id, old_hash = old
            self._conn.execute(
                "UPDATE images SET root_id = ?, size = ?, mtime_ns = ?, hash = ?, width = ?, height = ?,"
                " taken_at = ?, state = ?, error = ?, updated_at = ?, note = ?, kind = COALESCE(?, kind, ?),"
                " captured = ? WHERE id = ?",
                (
                    root_id,
                    size,
                    mtime_ns,
                    hash,
                    width,
                    height,
                    taken_at,
                    state,
                    error,
                    now,
                    note,
                    kind,
                    kind_from_path(key),
                    captured,
                    image_id,
                ),
            )
            if old_hash != hash:
                self._conn.execute("DELETE FROM embeddings WHERE image_id = ?", (image_id,))
            return int(image_id)

    def mark_failed(self, path: str | os.PathLike[str], root_id: int, size: int, mtime_ns: int, reason: str) -> int:
        """Record that the file at ``path`` could not be read; drops any vectors it had."""
        return self.upsert_image(path, root_id, size, mtime_ns, None, None, None, None, FAILED, reason)

    def move_image(
        self, image_id: int, new_path: str | os.PathLike[str], new_root_id: int, size: int, mtime_ns: int
    ) -> None:
        """A renamed or moved file: same id, same vectors, new place.

        Whatever image the catalog had at ``new_path`` was overwritten on disk, so it is deleted.
        """
        key = os.fspath(new_path)
        with self.batch():
            self._conn.execute("DELETE FROM images WHERE path = ? AND id != ?", (key, image_id))
            # The capture time of a photo without EXIF is its file time, which a move may change.
            self._conn.execute(
                "UPDATE images SET path = ?, root_id = ?, size = ?, mtime_ns = ?, updated_at = ?,"
                " captured = COALESCE(substr(taken_at, 1, 19), ?) WHERE id = ?",
                (key, new_root_id, size, mtime_ns, time.time(), file_time(mtime_ns), image_id),
            )

    def delete_images(self, ids: Iterable[int]) -> None:
        """Delete images with their embeddings; unknown ids are ignored."""
        with self.batch():
            for part in chunks(ids):
                self._conn.execute(f"DELETE FROM images WHERE id IN ({placeholders(len(part))})", part)

    def set_state_under(self, root_id: int, state: str, note: str | None = None) -> int:
        """Set the state of every image of a root (e.g. offline); return how many rows changed.

        ``note`` (why, e.g. "permission denied") replaces the images' notes when given.
        """
        check_image_state(state)
        with self.batch():
            cur = self._conn.execute(
                "UPDATE images SET state = ?, note = COALESCE(?, note), updated_at = ?"
                " WHERE root_id = ? AND state != ?",
                (state, note, time.time(), root_id, state),
            )
        return cur.rowcount

    def count_under(self, root_id: int) -> int:
        """How many images a root has, as this writer sees them (its own writes included)."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM images WHERE root_id = ?", (root_id,)).fetchone()[0])

    def mark_unreachable(self, ids: Iterable[int], reason: str) -> int:
        """Keep these images (their vectors too) but take them out of search until they can be read again.

        The error column is left alone, so that one that had failed fails again when it comes back.
        """
        changed = 0
        with self.batch():
            for part in chunks(ids):
                cur = self._conn.execute(
                    f"UPDATE images SET state = ?, note = ?, updated_at = ? WHERE id IN ({placeholders(len(part))})",
                    (UNREACHABLE, reason, time.time(), *part),
                )
                changed += cur.rowcount
        return changed

    # -- embeddings ------------------------------------------------------------------------------

    def set_embedding(self, image_id: int, model: str, vector: np.ndarray) -> None:
        """Store one image's raw vector for ``model`` (as float16), replacing any older one."""
        with self.batch():
            self._conn.execute(
                "INSERT OR REPLACE INTO embeddings (image_id, model, vector) VALUES (?, ?, ?)",
                (int(image_id), model, codec.encode(vector)),
            )

    def set_embeddings(self, image_ids: Iterable[int], model: str, vectors: np.ndarray) -> None:
        """:meth:`set_embedding` for many images: row ``i`` of ``vectors`` belongs to ``image_ids[i]``."""
        ids = [int(i) for i in image_ids]
        vecs = np.asarray(vectors)
        if vecs.ndim != 2 or len(vecs) != len(ids):
            raise ValueError(f"expected {len(ids)} row vectors, got an array of shape {vecs.shape}")
        rows = [(i, model, codec.encode(v)) for i, v in zip(ids, vecs, strict=True)]
        with self.batch():
            self._conn.executemany("INSERT OR REPLACE INTO embeddings (image_id, model, vector) VALUES (?, ?, ?)", rows)

    def copy_embeddings(self, from_id: int, to_id: int) -> int:
        """Give ``to_id`` the vectors of every model that ``from_id`` has (a duplicate file).

        Returns how many were copied.
        """
        with self.batch():
            cur = self._conn.execute(
                "INSERT OR REPLACE INTO embeddings (image_id, model, vector)"
                " SELECT ?, model, vector FROM embeddings WHERE image_id = ?",
                (to_id, from_id),
            )
        return cur.rowcount

    # -- settings --------------------------------------------------------------------------------

    def set_setting(self, key: str, value: str | None) -> None:
        """Store a small string value; ``None`` removes the key."""
        with self.batch():
            if value is None:
                self._conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                self._conn.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
