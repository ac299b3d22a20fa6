"""The catalog's SQLite schema and its migrations.

The schema version is SQLite's ``PRAGMA user_version``. ``MIGRATIONS[i]`` takes a database from
version ``i`` to ``i + 1``; a fresh file is version 0 and gets every step. All pending steps run in
one ``BEGIN IMMEDIATE`` transaction together with the version bump, so a crash mid-migration leaves
the old version untouched. A database newer than this code is refused, never touched.

Foreign keys are switched off while the steps run (SQLite cannot switch them inside a transaction), so a
step may rebuild a table the way SQLite documents it (create the new table, copy, drop, rename) without
the drop cascading into other tables; ``foreign_key_check`` must then be clean before the commit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop.errors import LibraryError

Migration = Callable[[sqlite3.Connection], None]

BUSY_TIMEOUT_MS = 10_000

_V1 = (
    """
    CREATE TABLE roots (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        path      TEXT NOT NULL UNIQUE,
        added_at  REAL NOT NULL,
        last_scan REAL,
        state     TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'offline', 'missing'))
    )
    """,
    # AUTOINCREMENT: an id is never reused, so thumbnails or index entries keyed by a deleted
    # image's id can never be mistaken for a new image.
    """
    CREATE TABLE images (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        root_id    INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        path       TEXT NOT NULL UNIQUE,
        size       INTEGER NOT NULL,
        mtime_ns   INTEGER NOT NULL,
        hash       TEXT,
        width      INTEGER,
        height     INTEGER,
        taken_at   TEXT,
        state      TEXT NOT NULL CHECK (state IN ('pending', 'indexed', 'failed', 'offline')),
        error      TEXT,
        updated_at REAL NOT NULL
    )
    """,
    "CREATE INDEX images_hash ON images(hash)",
    "CREATE INDEX images_root_state ON images(root_id, state)",
    """
    CREATE TABLE embeddings (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        model    TEXT NOT NULL,
        vector   BLOB NOT NULL,
        PRIMARY KEY (image_id, model)
    )
    """,
    "CREATE INDEX embeddings_model ON embeddings(model, image_id)",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _V1:
        conn.execute(statement)


# v2: a file or subfolder that cannot be read keeps its rows as "unreachable" (the reason in ``note``),
# a root the user may not read is "denied" (kept apart from an unplugged "offline" one), and ``note``
# also keeps what went wrong while reading an image that was still indexed (e.g. corrupt EXIF).
_V2_ROOTS = """
    CREATE TABLE roots_v2 (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        path      TEXT NOT NULL UNIQUE,
        added_at  REAL NOT NULL,
        last_scan REAL,
        state     TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'offline', 'missing', 'denied'))
    )
"""
_V2_IMAGES = """
    CREATE TABLE images_v2 (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        root_id    INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        path       TEXT NOT NULL UNIQUE,
        size       INTEGER NOT NULL,
        mtime_ns   INTEGER NOT NULL,
        hash       TEXT,
        width      INTEGER,
        height     INTEGER,
        taken_at   TEXT,
        state      TEXT NOT NULL CHECK (state IN ('pending', 'indexed', 'failed', 'offline', 'unreachable')),
        error      TEXT,
        updated_at REAL NOT NULL,
        note       TEXT
    )
"""


def _v2(conn: sqlite3.Connection) -> None:
    conn.execute(_V2_ROOTS)
    conn.execute("INSERT INTO roots_v2 (id, path, added_at, last_scan, state) SELECT * FROM roots")
    conn.execute(_V2_IMAGES)
    conn.execute(
        "INSERT INTO images_v2 (id, root_id, path, size, mtime_ns, hash, width, height, taken_at, state, error,"
        " updated_at) SELECT * FROM images"
    )
    # AUTOINCREMENT's high-water marks move with the rows, so an id is still never reused.
    conn.execute("DELETE FROM sqlite_sequence WHERE name IN ('roots_v2', 'images_v2')")
    conn.execute("UPDATE sqlite_sequence SET name = name || '_v2' WHERE name IN ('roots', 'images')")
    conn.execute("DROP TABLE images")
    conn.execute("DROP TABLE roots")
    conn.execute("ALTER TABLE roots_v2 RENAME TO roots")
    conn.execute("ALTER TABLE images_v2 RENAME TO images")
    conn.execute("CREATE INDEX images_hash ON images(hash)")
    conn.execute("CREATE INDEX images_root_state ON images(root_id, state)")


def _v3(conn: sqlite3.Connection) -> None:
    """v3: columns that search filters on: what kind of file, and when the photo was taken.

    ``captured`` is the capture time used for date filters and browsing: the EXIF time (``taken_at``) when
    there is one, else the file's modification time in local time, as ``YYYY-MM-DDTHH:MM:SS`` so that text
    order is time order. Kept up to date by the writer. ``kind`` comes from the decoder (the content), or
    the extension for rows that never went through it.
    """
    from desktop.catalog.derived import captured_at, kind_from_path

    conn.execute("ALTER TABLE images ADD COLUMN kind TEXT")
    conn.execute("ALTER TABLE images ADD COLUMN captured TEXT")
    rows = conn.execute("SELECT id, path, mtime_ns, taken_at FROM images").fetchall()
    conn.executemany(
        "UPDATE images SET kind = ?, captured = ? WHERE id = ?",
        [(kind_from_path(path), captured_at(taken, mtime), i) for i, path, mtime, taken in rows],
    )
    # Browsing newest first and date ranges read this index; the id breaks ties in a stable order.
    conn.execute("CREATE INDEX images_state_captured ON images(state, captured, id)")
    # A kind filter otherwise visits every searchable row (20k rows: 150 ms on the shared 2-core machine).
    conn.execute("CREATE INDEX images_state_kind ON images(state, kind)")


MIGRATIONS: list[Migration] = [_v1, _v2, _v3]


def current_version() -> int:
    return len(MIGRATIONS)


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection with the catalog's settings, in autocommit mode (transactions are explicit).

    ``check_same_thread`` is off so that the owner can close it from any thread; each connection
    is still used by one thread at a time (a per-thread reader, or the writer under its lock).
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _refuse_newer(found: int, known: int) -> None:
    if found > known:
        raise LibraryError(f"this library was written by a newer Reframe (schema {found} > {known}); update Reframe")


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] | None = None) -> int:
    """Bring the database up to date, return its version. Raises LibraryError if it is newer."""
    steps = MIGRATIONS if migrations is None else migrations
    target = len(steps)
    version = user_version(conn)
    _refuse_newer(version, target)
    if version == target:
        return version
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated meanwhile.
        version = user_version(conn)
        _refuse_newer(version, target)
        for step in range(version, target):
            steps[step](conn)
            conn.execute(f"PRAGMA user_version = {step + 1}")
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise LibraryError(f"the catalog upgrade left {len(broken)} dangling references; nothing was changed")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return target


def prepare(path: Path) -> int:
    """Create or upgrade the catalog file at ``path`` and switch it to WAL; return its version."""
    conn = connect(path)
    try:
        version = migrate(conn)
        # WAL is a property of the file: set once, it sticks for every later connection.
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise LibraryError(f"cannot use write-ahead logging for {path} (journal mode {mode})")
        return version
    finally:
        conn.close()
