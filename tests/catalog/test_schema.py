from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.catalog import Catalog, schema
from desktop.errors import LibraryError


def version_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def tables_of(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def test_fresh_catalog_has_current_schema_in_wal(tmp_path: Path) -> None:
    path = tmp_path / "lib" / "catalog.sqlite3"
    Catalog.open(path).close()
    assert version_of(path) == schema.current_version()
    assert {"roots", "images", "embeddings", "settings"} <= tables_of(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_connections_enforce_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    Catalog.open(path).close()
    conn = schema.connect(path)
    try:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO images (root_id, path, size, mtime_ns, state, updated_at)"
                " VALUES (42, '/x.jpg', 1, 1, 'pending', 0)"
            )
    finally:
        conn.close()


def test_reopening_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    with Catalog.open(path) as cat:
        cat.writer().add_root("/photos")
    with Catalog.open(path) as cat:
        assert [r.path for r in cat.roots()] == ["/photos"]


def test_empty_v0_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 0")
    conn.close()
    with Catalog.open(path) as cat:
        assert cat.roots() == []
    assert version_of(path) == schema.current_version()


def test_older_database_is_upgraded_stepwise_and_keeps_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "catalog.sqlite3"
    # A v1 library written by hand, with one root and one image.
    conn = schema.connect(path)
    schema.migrate(conn, schema.MIGRATIONS[:1])
    conn.execute("INSERT INTO roots (id, path, added_at, state) VALUES (1, '/photos', 1.0, 'ok')")
    conn.execute(
        "INSERT INTO images (root_id, path, size, mtime_ns, hash, state, updated_at)"
        " VALUES (1, '/photos/a.jpg', 10, 20, 'h', 'indexed', 2.0)"
    )
    conn.close()
    assert version_of(path) == 1

    def later(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE images ADD COLUMN rating INTEGER NOT NULL DEFAULT 0")

    def latest(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE images SET rating = 5 WHERE hash = 'h'")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, later, latest])
    with Catalog.open(path) as cat:
        row = cat.image_by_path("/photos/a.jpg")
        assert row is not None and row.size == 10 and row.state == "indexed"
    assert version_of(path) == len(schema.MIGRATIONS)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT rating FROM images").fetchone()[0] == 5
    finally:
        conn.close()


def test_v2_keeps_rows_vectors_and_ids_and_allows_unreachable(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    conn = schema.connect(path)
    schema.migrate(conn, schema.MIGRATIONS[:1])
    conn.execute("INSERT INTO roots (id, path, added_at, state) VALUES (1, '/photos', 1.0, 'ok')")
    for i in (1, 2, 3):
        conn.execute(
            "INSERT INTO images (id, root_id, path, size, mtime_ns, hash, state, updated_at)"
            f" VALUES ({i}, 1, '/photos/{i}.jpg', 10, 20, 'h{i}', 'indexed', 2.0)"
        )
        conn.execute(f"INSERT INTO embeddings (image_id, model, vector) VALUES ({i}, 'm', x'0000')")
    conn.execute("DELETE FROM images WHERE id = 3")  # its id must never come back
    conn.close()

    with Catalog.open(path) as cat:
        w = cat.writer()
        assert [r.path for r in cat.roots()] == ["/photos"]
        assert cat.vector(1, "m") is not None and cat.vector(2, "m") is not None, "the rebuild cascaded"
        new_id = w.upsert_image("/photos/new.jpg", 1, 1, 1, None, None, None, None, "unreachable", note="why")
        assert new_id == 4
        assert cat.image(new_id).note == "why"  # type: ignore[union-attr]
        w.set_root_state(1, "denied")
        assert cat.root(1).state == "denied"  # type: ignore[union-attr]
    conn = schema.connect(path)
    try:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def test_migrate_runs_only_pending_steps_in_order(tmp_path: Path) -> None:
    ran: list[int] = []
    steps = [lambda c, n=n: ran.append(n) for n in range(4)]
    conn = schema.connect(tmp_path / "x.sqlite3")
    try:
        conn.execute("PRAGMA user_version = 2")
        assert schema.migrate(conn, steps) == 4
        assert ran == [2, 3]
        assert schema.migrate(conn, steps) == 4
        assert ran == [2, 3]
    finally:
        conn.close()


def test_failed_migration_leaves_the_old_version(tmp_path: Path) -> None:
    def create(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE t (x)")

    def broken(conn: sqlite3.Connection) -> None:
        raise RuntimeError("boom")

    path = tmp_path / "x.sqlite3"
    conn = schema.connect(path)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            schema.migrate(conn, [create, broken])
        assert schema.user_version(conn) == 0
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None
    finally:
        conn.close()


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    Catalog.open(path).close()
    newer = schema.current_version() + 1
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()
    with pytest.raises(LibraryError) as err:
        Catalog.open(path)
    message = str(err.value)
    assert f"newer Reframe (schema {newer} > {schema.current_version()})" in message
    assert "update Reframe" in message
    assert err.value.exit_code == 2
    assert version_of(path) == newer


def test_a_file_that_is_not_a_database_is_a_library_error(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LibraryError, match="cannot open the library catalog"):
        Catalog.open(path)
