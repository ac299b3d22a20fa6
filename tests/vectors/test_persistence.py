from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from desktop.catalog import INDEXED, PENDING, Catalog
from desktop.files import crc32_of
from desktop.vectors import VectorIndex
from desktop.vectors.sidecar import sidecar_path

DIM = 16


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return np.arange(1, 201, dtype=np.int64), rng.standard_normal((200, DIM)).astype(np.float32)


@pytest.fixture
def saved(tmp_path: Path, data: tuple[np.ndarray, np.ndarray]) -> Path:
    """An index saved to disk with ids 1..200, of which 1..10 removed."""
    path = tmp_path / "indexes" / "m.hnsw"
    idx = VectorIndex(path, DIM, "m")
    idx.add(*data)
    idx.remove(range(1, 11))
    idx.save()
    return path


def top(idx: VectorIndex, query: np.ndarray, k: int = 5) -> list[int]:
    return [label for label, _ in idx.search(query, k)]


def test_save_and_open_roundtrip(saved: Path, data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = data
    idx = VectorIndex.open(saved, DIM, "m")
    assert not idx.needs_rebuild and idx.rebuild_reason is None
    assert idx.ids() == set(ids[10:].tolist())
    assert top(idx, vecs[50])[0] == ids[50]
    assert 1 not in top(idx, vecs[0], 200)
    side = json.loads(sidecar_path(saved).read_text())
    assert (side["model"], side["dim"], side["count"]) == ("m", DIM, 190)
    assert side["deleted"] == list(range(1, 11))
    # Removed slots are still reusable after a reload, and removed ids can come back.
    idx.add([1000, 1], np.stack([vecs[0] + 1, vecs[0]]))
    assert len(idx) == 192 and idx._hnsw.element_count == 200
    assert top(idx, vecs[0], 1) == [1]


def test_missing_file_opens_empty_and_asks_for_rebuild(tmp_path: Path) -> None:
    idx = VectorIndex.open(tmp_path / "nothing.hnsw", DIM, "m")
    assert len(idx) == 0 and idx.needs_rebuild and idx.rebuild_reason == "no index file"


def corrupt_garbage(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def corrupt_truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


def corrupt_one_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def corrupt_garbage_with_matching_checksum(path: Path) -> None:
    """Garbage that the sidecar vouches for: hnswlib itself must refuse it."""
    path.write_bytes(b"\x00\x01" * 3000)
    side = json.loads(sidecar_path(path).read_text())
    side["size"], side["crc32"] = crc32_of(path)
    sidecar_path(path).write_text(json.dumps(side))


def sidecar_deleted(path: Path) -> None:
    sidecar_path(path).unlink()


def sidecar_garbage(path: Path) -> None:
    sidecar_path(path).write_text("{not json")


def sidecar_wrong_ids(path: Path) -> None:
    side = json.loads(sidecar_path(path).read_text())
    side["count"] += 1
    sidecar_path(path).write_text(json.dumps(side))


@pytest.mark.parametrize(
    "damage",
    [
        corrupt_garbage,
        corrupt_truncated,
        corrupt_one_byte,
        corrupt_garbage_with_matching_checksum,
        sidecar_deleted,
        sidecar_garbage,
        sidecar_wrong_ids,
    ],
)
def test_damaged_index_opens_empty_and_asks_for_rebuild(saved: Path, damage) -> None:
    damage(saved)
    idx = VectorIndex.open(saved, DIM, "m")
    assert len(idx) == 0 and idx.needs_rebuild and idx.rebuild_reason
    assert idx.search(np.ones(DIM), 5) == []
    idx.add([1], np.ones((1, DIM)))  # and it is usable
    assert top(idx, np.ones(DIM)) == [1]


def test_index_of_another_model_or_dim_is_not_used(saved: Path) -> None:
    other_model = VectorIndex.open(saved, DIM, "other-model")
    assert other_model.needs_rebuild and "other-model" in (other_model.rebuild_reason or "")
    other_dim = VectorIndex.open(saved, DIM * 2, "m")
    assert other_dim.needs_rebuild and len(other_dim) == 0


def test_failed_save_keeps_the_previous_file(
    saved: Path, data: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, vecs = data
    before = saved.read_bytes()
    side_before = sidecar_path(saved).read_bytes()
    idx = VectorIndex.open(saved, DIM, "m")
    idx.add([5000], vecs[:1] * -1)

    def crash(*args: object) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk pulled out"):
        idx.save()
    monkeypatch.undo()

    assert saved.read_bytes() == before and sidecar_path(saved).read_bytes() == side_before
    assert sorted(p.name for p in saved.parent.iterdir()) == ["m.hnsw", "m.hnsw.json"]  # no temp left
    again = VectorIndex.open(saved, DIM, "m")
    assert not again.needs_rebuild and 5000 not in again and len(again) == 190
    idx.save()  # works once the disk is back
    assert 5000 in VectorIndex.open(saved, DIM, "m")


def test_save_creates_the_folder_and_saves_an_empty_index(tmp_path: Path) -> None:
    path = tmp_path / "new" / "m.hnsw"
    VectorIndex(path, DIM, "m").save()
    idx = VectorIndex.open(path, DIM, "m")
    assert not idx.needs_rebuild and len(idx) == 0


def test_sync_adds_missing_and_removes_extras(tmp_path: Path, data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = data
    rows = {int(i): v for i, v in zip(ids, vecs, strict=True)}
    idx = VectorIndex(tmp_path / "m.hnsw", DIM, "m")
    idx.add(ids[:50], vecs[:50])
    idx.add([9999], vecs[:1])  # not in the catalog any more
    asked: list[int] = []

    def fetch(wanted: np.ndarray) -> np.ndarray:
        asked.extend(wanted.tolist())
        return np.stack([rows[int(i)] for i in wanted])

    catalog_ids = ids[20:]
    assert idx.sync(catalog_ids, fetch) == (150, 21)
    assert sorted(asked) == ids[50:].tolist()
    assert idx.ids() == set(catalog_ids.tolist())
    assert top(idx, vecs[150], 1) == [ids[150]]
    assert idx.sync(catalog_ids, fetch) == (0, 0)


def test_sync_from_an_empty_index_clears_needs_rebuild(tmp_path: Path) -> None:
    idx = VectorIndex.open(tmp_path / "m.hnsw", DIM, "m")
    assert idx.needs_rebuild
    idx.sync(np.array([3, 4]), lambda wanted: (np.array([3]), np.ones((1, DIM))))  # 4 went meanwhile
    assert idx.ids() == {3} and not idx.needs_rebuild


def test_sync_from_the_catalog(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    with Catalog.open(tmp_path / "catalog.sqlite3") as catalog:
        w = catalog.writer()
        root = w.add_root("/photos")
        with w.batch():
            ids = [w.upsert_image(f"/photos/{i}.jpg", root.id, 1, 1, f"h{i}", 1, 1, None, INDEXED) for i in range(30)]
            w.set_embeddings(ids, "m", rng.standard_normal((30, DIM)).astype(np.float32))
        idx = VectorIndex.open(tmp_path / "m.hnsw", DIM, "m")
        idx.sync(catalog.ids_with_vectors("m"), lambda wanted: catalog.vectors("m", wanted))
        assert idx.ids() == set(ids)
        # The catalog changes: one image deleted, one waiting to be re-embedded.
        w.delete_images([ids[0]])
        w.upsert_image("/photos/1.jpg", root.id, 2, 2, "edited", 1, 1, None, PENDING)
        assert idx.sync(catalog.ids_with_vectors("m"), lambda wanted: catalog.vectors("m", wanted)) == (0, 2)
        assert idx.ids() == set(ids[2:])
        vec = catalog.vector(ids[7], "m")
        assert vec is not None and top(idx, vec, 1) == [ids[7]]


def test_rebuild_replaces_everything(saved: Path) -> None:
    idx = VectorIndex.open(saved, DIM, "m")
    vecs = np.eye(DIM, dtype=np.float32)[:3]
    idx.rebuild([7, 8, 9], vecs)
    assert idx.ids() == {7, 8, 9} and not idx.needs_rebuild
    assert top(idx, vecs[1], 1) == [8]
    idx.save()
    assert VectorIndex.open(saved, DIM, "m").ids() == {7, 8, 9}
