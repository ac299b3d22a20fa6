from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from desktop.catalog import FAILED, INDEXED, OFFLINE, PENDING, Catalog, ImageRow, Root
from desktop.errors import LibraryError

DIM = 8


def vec(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)


def add(catalog: Catalog, root: Root, name: str, *, hash: str | None = None, state: str = INDEXED) -> int:
    return catalog.writer().upsert_image(
        f"{root.path}/{name}", root.id, 100, 1_000, hash or f"hash-{name}", 640, 480, None, state
    )


def embedding_rows(catalog: Catalog) -> int:
    conn = sqlite3.connect(catalog.path)
    try:
        return conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    finally:
        conn.close()


# -- roots ---------------------------------------------------------------------------------------


def test_add_root_is_idempotent(catalog: Catalog) -> None:
    w = catalog.writer()
    a = w.add_root("/photos")
    b = w.add_root("/photos")
    assert a == b
    assert a.state == "ok" and a.last_scan is None
    assert catalog.roots() == [a]
    assert catalog.root(a.id) == a
    assert catalog.root(a.id + 100) is None


def test_root_state_and_last_scan(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    w.set_root_state(root.id, "offline", last_scan=123.5)
    w.set_root_state(root.id, "ok")  # keeps last_scan
    got = catalog.root(root.id)
    assert got is not None and got.state == "ok" and got.last_scan == 123.5
    with pytest.raises(ValueError):
        w.set_root_state(root.id, "sleepy")


def test_remove_root_deletes_its_images_and_vectors(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    other = w.add_root("/other")
    mine = add(catalog, root, "a.jpg")
    theirs = add(catalog, other, "b.jpg")
    w.set_embedding(mine, "m", vec(1))
    w.set_embedding(theirs, "m", vec(2))
    w.remove_root(root.id)
    assert [r.path for r in catalog.roots()] == ["/other"]
    assert catalog.image(mine) is None
    assert catalog.image(theirs) is not None
    assert embedding_rows(catalog) == 1


# -- images --------------------------------------------------------------------------------------


def test_upsert_inserts_then_updates_in_place(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    first = w.upsert_image("/photos/a.jpg", root.id, 10, 20, "h1", 4000, 3000, "2021-05-01T10:00:00", PENDING)
    row = catalog.image(first)
    assert isinstance(row, ImageRow)
    assert (row.path, row.size, row.mtime_ns, row.hash, row.width, row.height) == (
        "/photos/a.jpg",
        10,
        20,
        "h1",
        4000,
        3000,
    )
    assert row.taken_at == "2021-05-01T10:00:00" and row.state == PENDING and row.error is None
    again = w.upsert_image("/photos/a.jpg", root.id, 11, 21, "h1", 4000, 3000, None, INDEXED)
    assert again == first
    row = catalog.image_by_path("/photos/a.jpg")
    assert row is not None and row.size == 11 and row.state == INDEXED
    assert catalog.image_by_path("/photos/nope.jpg") is None
    with pytest.raises(ValueError):
        w.upsert_image("/photos/b.jpg", root.id, 1, 1, None, None, None, None, "done")


def test_changed_content_drops_vectors_same_content_keeps_them(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    image_id = add(catalog, root, "a.jpg", hash="h1")
    w.set_embedding(image_id, "m1", vec(1))
    w.set_embedding(image_id, "m2", vec(2))
    add(catalog, root, "a.jpg", hash="h1")  # touched, same bytes
    assert catalog.vector(image_id, "m1") is not None
    add(catalog, root, "a.jpg", hash="h2")  # edited
    assert catalog.vector(image_id, "m1") is None and catalog.vector(image_id, "m2") is None


def test_ids_are_never_reused(catalog: Catalog, root: Root) -> None:
    a = add(catalog, root, "a.jpg")
    catalog.writer().delete_images([a])
    assert add(catalog, root, "b.jpg") > a


def test_lookups(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    other = w.add_root("/other")
    a = add(catalog, root, "a.jpg", hash="same")
    b = add(catalog, root, "b.jpg", hash="same")
    c = add(catalog, other, "c.jpg", hash="different")
    under = catalog.images_under(root.id)
    assert set(under) == {"/photos/a.jpg", "/photos/b.jpg"}
    assert under["/photos/b.jpg"].id == b
    assert [r.id for r in catalog.images_by_hash("same")] == [a, b]
    assert catalog.images_by_hash("none") == []
    assert catalog.paths_for_ids([a, c, 999]) == {a: "/photos/a.jpg", c: "/other/c.jpg"}
    assert catalog.images_under(other.id + 1) == {}


def test_paths_for_many_ids(catalog: Catalog, root: Root) -> None:
    with catalog.writer().batch():
        ids = [add(catalog, root, f"{i}.jpg") for i in range(2000)]
    paths = catalog.paths_for_ids(ids)
    assert len(paths) == 2000 and paths[ids[1500]] == "/photos/1500.jpg"


def test_counts_and_failures(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    other = w.add_root("/other")
    add(catalog, root, "a.jpg")
    add(catalog, root, "b.jpg", state=PENDING)
    w.mark_failed("/photos/bad.jpg", root.id, 5, 6, "truncated JPEG")
    w.mark_failed("/other/worse.heic", other.id, 5, 6, "no decoder")
    assert catalog.counts(root.id) == {"failed": 1, "indexed": 1, "offline": 0, "pending": 1, "unreachable": 0}
    assert catalog.counts() == {"failed": 2, "indexed": 1, "offline": 0, "pending": 1, "unreachable": 0}
    assert catalog.failures(root.id) == [("/photos/bad.jpg", "truncated JPEG")]
    assert catalog.failures() == [("/other/worse.heic", "no decoder"), ("/photos/bad.jpg", "truncated JPEG")]


def test_mark_failed_keeps_id_and_drops_vectors(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    image_id = add(catalog, root, "a.jpg")
    w.set_embedding(image_id, "m", vec(1))
    assert w.mark_failed("/photos/a.jpg", root.id, 7, 8, "unreadable") == image_id
    row = catalog.image(image_id)
    assert row is not None and row.state == FAILED and row.error == "unreadable" and row.hash is None
    assert catalog.vector(image_id, "m") is None


def test_move_keeps_id_and_vectors(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    other = w.add_root("/other")
    image_id = add(catalog, root, "a.jpg")
    w.set_embedding(image_id, "m", vec(1))
    w.move_image(image_id, "/other/renamed.jpg", other.id, 100, 2_000)
    row = catalog.image(image_id)
    assert row is not None and row.path == "/other/renamed.jpg" and row.root_id == other.id
    assert row.mtime_ns == 2_000
    assert catalog.image_by_path("/photos/a.jpg") is None
    assert catalog.vector(image_id, "m") is not None


def test_move_onto_a_known_path_replaces_that_image(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    a = add(catalog, root, "a.jpg")
    b = add(catalog, root, "b.jpg")
    w.set_embedding(b, "m", vec(2))
    w.move_image(a, "/photos/b.jpg", root.id, 1, 1)
    assert catalog.image(b) is None
    found = catalog.image_by_path("/photos/b.jpg")
    assert found is not None and found.id == a
    assert embedding_rows(catalog) == 0


def test_delete_images_deletes_vectors(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    with w.batch():
        ids = [add(catalog, root, f"{i}.jpg") for i in range(1000)]
        w.set_embeddings(ids, "m", np.ones((1000, DIM), dtype=np.float32))
    w.delete_images([*ids[:950], 123_456])
    assert sum(catalog.counts().values()) == 50
    assert embedding_rows(catalog) == 50


def test_set_state_under_hides_vectors(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    other = w.add_root("/other")
    a = add(catalog, root, "a.jpg")
    b = add(catalog, other, "b.jpg")
    w.set_embeddings([a, b], "m", np.stack([vec(1), vec(2)]))
    assert w.set_state_under(root.id, OFFLINE) == 1
    assert catalog.counts(root.id)[OFFLINE] == 1
    assert catalog.ids_with_vectors("m").tolist() == [b]
    assert catalog.vectors("m")[0].tolist() == [b]
    assert catalog.vector(a, "m") is not None  # kept for when the drive comes back


# -- embeddings ----------------------------------------------------------------------------------


def test_vectors_roundtrip_as_float16(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    ids = [add(catalog, root, f"{i}.jpg") for i in range(5)]
    pending = add(catalog, root, "p.jpg", state=PENDING)
    raw = np.random.default_rng(0).standard_normal((5, DIM)).astype(np.float32) * 3
    w.set_embeddings(ids, "m", raw)
    w.set_embedding(pending, "m", vec(9))
    w.set_embedding(ids[0], "other", vec(10))

    got_ids, got = catalog.vectors("m")
    assert got_ids.dtype == np.int64 and got_ids.tolist() == ids
    assert got.dtype == np.float32 and got.shape == (5, DIM)
    np.testing.assert_allclose(got, raw, rtol=1e-3, atol=1e-3)
    assert catalog.ids_with_vectors("m").tolist() == ids
    assert catalog.ids_with_vectors("other").tolist() == [ids[0]]

    sub_ids, sub = catalog.vectors("m", [ids[3], ids[1], pending, 999])
    assert sub_ids.tolist() == [ids[1], ids[3]]
    np.testing.assert_allclose(sub, raw[[1, 3]], rtol=1e-3, atol=1e-3)

    one = catalog.vector(pending, "m")
    assert one is not None and one.dtype == np.float32 and one.shape == (DIM,)
    assert catalog.vector(pending, "other") is None


def test_no_vectors_is_empty(catalog: Catalog) -> None:
    ids, vecs = catalog.vectors("m")
    assert ids.shape == (0,) and vecs.shape == (0, 0)
    assert catalog.ids_with_vectors("m").shape == (0,)


def test_bad_vectors_are_refused(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    image_id = add(catalog, root, "a.jpg")
    with pytest.raises(ValueError):
        w.set_embedding(image_id, "m", np.array([1.0, np.nan], dtype=np.float32))
    with pytest.raises(ValueError):
        w.set_embedding(image_id, "m", np.array([1e6], dtype=np.float32))  # beyond float16
    with pytest.raises(ValueError):
        w.set_embeddings([image_id], "m", np.zeros((2, DIM)))


def test_copy_embeddings_copies_every_model(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    src = add(catalog, root, "a.jpg", hash="same")
    dup = add(catalog, root, "copy-of-a.jpg", hash="same")
    w.set_embedding(src, "m1", vec(1))
    w.set_embedding(src, "m2", vec(2))
    assert w.copy_embeddings(src, dup) == 2
    for model in ("m1", "m2"):
        a, b = catalog.vector(src, model), catalog.vector(dup, model)
        assert a is not None and b is not None and np.array_equal(a, b)


# -- transactions, settings, threads -------------------------------------------------------------


def test_a_failed_batch_leaves_nothing(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    with pytest.raises(RuntimeError), w.batch():
        image_id = add(catalog, root, "a.jpg")
        w.set_embedding(image_id, "m", vec(1))
        w.set_setting("k", "v")
        raise RuntimeError("killed")
    assert catalog.counts()[INDEXED] == 0
    assert catalog.get_setting("k") is None
    # The writer is usable afterwards.
    add(catalog, root, "b.jpg")
    assert catalog.counts()[INDEXED] == 1


def test_a_nested_batch_that_fails_undoes_only_itself(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    with w.batch():
        add(catalog, root, "kept.jpg")
        with pytest.raises(RuntimeError), w.batch():
            add(catalog, root, "dropped.jpg")
            raise RuntimeError
        add(catalog, root, "also-kept.jpg")
    assert set(catalog.images_under(root.id)) == {"/photos/kept.jpg", "/photos/also-kept.jpg"}


def test_reads_see_only_committed_batches(catalog: Catalog, root: Root) -> None:
    w = catalog.writer()
    with w.batch():
        add(catalog, root, "a.jpg")
        assert catalog.image_by_path("/photos/a.jpg") is None
    assert catalog.image_by_path("/photos/a.jpg") is not None


def test_settings(catalog: Catalog) -> None:
    w = catalog.writer()
    assert catalog.get_setting("last_scan") is None
    assert catalog.get_setting("last_scan", "never") == "never"
    w.set_setting("last_scan", "1")
    w.set_setting("last_scan", "2")
    assert catalog.get_setting("last_scan") == "2"
    w.set_setting("last_scan", None)
    assert catalog.get_setting("last_scan") is None


def test_one_writer_and_reads_from_other_threads(catalog: Catalog, root: Root) -> None:
    assert catalog.writer() is catalog.writer()
    add(catalog, root, "a.jpg")
    seen: list[object] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            seen.append(catalog.image_by_path("/photos/a.jpg"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(seen) == 4 and all(isinstance(r, ImageRow) for r in seen)


def test_readers_cannot_write(catalog: Catalog) -> None:
    with pytest.raises(sqlite3.OperationalError):
        catalog._reader().execute("INSERT INTO settings VALUES ('k', 'v')")


def test_closed_catalog_refuses_work(catalog: Catalog) -> None:
    catalog.roots()
    catalog.close()
    with pytest.raises(LibraryError):
        catalog.roots()
    with pytest.raises(LibraryError):
        catalog.writer()


def test_a_kept_count_follows_every_change_to_the_catalog(catalog: Catalog) -> None:
    """Counting is kept between pages of a browse, and never outlives a write: from this thread or another,
    through this catalog's writer or another process's."""
    from desktop.catalog import queries
    from desktop.search.filters import Filters

    root = catalog.writer().add_root("/photos")
    for i in range(3):
        add(catalog, root, f"{i}.jpg")
    everything, pngs = Filters(), Filters(kinds=("png",))
    assert queries.count(catalog, everything) == 3
    assert queries.count(catalog, everything) == 3  # kept
    add(catalog, root, "3.jpg")
    assert queries.count(catalog, everything) == 4
    first = catalog.image_by_path(f"{root.path}/0.jpg")
    assert first is not None
    removed = threading.Thread(target=lambda: catalog.writer().delete_images([first.id]))
    removed.start()
    removed.join()
    assert queries.count(catalog, everything) == 3
    other = sqlite3.connect(catalog.path)  # another process's write, say
    with other:
        other.execute("UPDATE images SET state = ? WHERE path = ?", (FAILED, f"{root.path}/1.jpg"))
    other.close()
    assert queries.count(catalog, everything) == 2
    assert queries.count(catalog, pngs) == 0
