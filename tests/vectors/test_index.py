from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from desktop.vectors import VectorIndex, exact_search
from desktop.vectors.index import INITIAL_CAPACITY

DIM = 16


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


@pytest.fixture
def data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    ids = np.arange(1, 301, dtype=np.int64) * 10  # catalog ids need not be dense
    return ids, rng.standard_normal((len(ids), DIM)).astype(np.float32)


@pytest.fixture
def index(tmp_path: Path, data: tuple[np.ndarray, np.ndarray]) -> VectorIndex:
    idx = VectorIndex(tmp_path / "m.hnsw", DIM, "m")
    idx.add(*data)
    return idx


def test_search_finds_each_vector_first_with_cosine_scores(
    index: VectorIndex, data: tuple[np.ndarray, np.ndarray]
) -> None:
    ids, vecs = data
    assert len(index) == len(ids) and index.ids() == set(ids.tolist())
    for i in (0, 17, 299):
        hits = index.search(vecs[i] * 5.0, k=5)  # raw scale does not matter
        assert hits[0][0] == ids[i] and hits[0][1] == pytest.approx(1.0, abs=1e-5)
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        expected = dict(exact_search(vecs, vecs[i], 5, ids=ids))
        for label, score in hits:
            assert score == pytest.approx(expected[label], abs=1e-5)


def test_readding_an_id_updates_it(index: VectorIndex, data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = data
    new = -vecs[0]
    index.add([ids[0]], new[None])
    assert len(index) == len(ids)
    assert index.search(new, 1) == [(int(ids[0]), pytest.approx(1.0, abs=1e-5))]
    assert all(label != ids[0] for label, _ in index.search(vecs[0], 10))


def test_an_id_given_twice_keeps_its_last_vector(tmp_path: Path, rng: np.random.Generator) -> None:
    idx = VectorIndex(tmp_path / "m.hnsw", DIM, "m")
    a, b = rng.standard_normal((2, DIM)).astype(np.float32)
    idx.add([5, 5], np.stack([a, b]))
    assert len(idx) == 1
    assert idx.search(b, 1)[0][1] == pytest.approx(1.0, abs=1e-5)


def test_remove(index: VectorIndex, data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = data
    assert index.remove([ids[0], ids[1], 999_999]) == 2
    assert index.remove([ids[0]]) == 0
    assert len(index) == len(ids) - 2 and ids[0] not in index
    returned = {label for label, _ in index.search(vecs[0], 50)}
    assert ids[0] not in returned and ids[1] not in returned
    index.add([ids[0]], vecs[:1])  # comes back
    assert index.search(vecs[0], 1)[0][0] == ids[0]
    assert len(index) == len(ids) - 1


def test_new_ids_reuse_the_slots_of_removed_ones(
    index: VectorIndex, data: tuple[np.ndarray, np.ndarray], rng: np.random.Generator
) -> None:
    ids, vecs = data
    index.remove(ids[:100])
    new_ids = np.arange(10_001, 10_101)
    new_vecs = rng.standard_normal((100, DIM)).astype(np.float32)
    index.add(new_ids, new_vecs)
    assert index._hnsw.element_count == len(ids)  # no growth
    assert index.ids() == set(ids[100:].tolist()) | set(new_ids.tolist())
    for i in (0, 50, 99):
        assert index.search(new_vecs[i], 1)[0][0] == new_ids[i]
    removed = set(ids[:100].tolist())
    assert not removed & {label for label, _ in index.search(vecs[0], len(index))}
    # A removed id whose slot went to a new id can still come back.
    index.add(ids[:1], vecs[:1])
    assert index.search(vecs[0], 1)[0][0] == ids[0]
    assert len(index) == 301


def test_exclude(index: VectorIndex, data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = data
    banned = set(ids[:200].tolist())
    hits = index.search(vecs[0], 20, exclude=banned)
    assert len(hits) == 20 and not banned & {label for label, _ in hits}
    everything = index.search(vecs[0], 1000, exclude=banned)
    assert {label for label, _ in everything} == set(ids[200:].tolist())


def test_k_larger_than_the_index(index: VectorIndex, data: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vecs = data
    index.remove(ids[:10])
    hits = index.search(vecs[50], 10_000)
    assert len(hits) == len(ids) - 10
    assert len({label for label, _ in hits}) == len(hits)
    assert index.search(vecs[0], 0) == []


def test_empty_index(tmp_path: Path) -> None:
    idx = VectorIndex(tmp_path / "m.hnsw", DIM, "m")
    assert len(idx) == 0 and idx.search(np.ones(DIM), 10) == []
    idx.add([], np.empty((0, DIM)))
    assert len(idx) == 0


def test_grows_beyond_its_initial_capacity(tmp_path: Path, rng: np.random.Generator) -> None:
    idx = VectorIndex(tmp_path / "m.hnsw", DIM, "m")
    n = INITIAL_CAPACITY * 3 + 5
    vecs = rng.standard_normal((n, DIM)).astype(np.float32)
    for start in range(0, n, 700):
        idx.add(np.arange(start, min(start + 700, n)), vecs[start : start + 700])
    assert len(idx) == n and idx.capacity >= n
    for i in (0, INITIAL_CAPACITY, n - 1):
        assert idx.search(vecs[i], 1)[0][0] == i


def test_bad_input_is_refused(index: VectorIndex) -> None:
    with pytest.raises(ValueError):
        index.add([1, 2], np.zeros((2, DIM + 1)))
    with pytest.raises(ValueError):
        index.add([-1], np.ones((1, DIM)))
    with pytest.raises(ValueError):
        index.add([1], np.full((1, DIM), np.nan))
    with pytest.raises(ValueError):
        index.search(np.ones(DIM + 1), 3)


def clustered(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """Points around 100 centres: structured like real image embeddings, unlike iid noise."""
    centres = rng.standard_normal((100, dim))
    return (centres[rng.integers(0, 100, n)] + 0.7 * rng.standard_normal((n, dim))).astype(np.float32)


@pytest.mark.parametrize(
    ("kind", "ef_search"),
    [
        ("clustered", None),  # the default ef
        # iid Gaussian points have no structure to exploit: the hardest case for any graph index,
        # at ef=64 it sits just under 0.98, so this also shows that ``ef_search`` is adjustable.
        ("gaussian", 128),
    ],
)
def test_recall_at_10(tmp_path: Path, kind: str, ef_search: int | None) -> None:
    rng = np.random.default_rng(0)
    n, dim, k = 5000, 64, 10
    points = clustered(rng, n + 100, dim) if kind == "clustered" else rng.standard_normal((n + 100, dim))
    vecs, queries = points[:n].astype(np.float32), points[n:].astype(np.float32)
    idx = VectorIndex(tmp_path / "m.hnsw", dim, "m")
    if ef_search is not None:
        idx.ef_search = ef_search
    idx.add(np.arange(n), vecs)
    found = 0
    for q in queries:
        truth = {label for label, _ in exact_search(vecs, q, k)}
        found += len(truth & {label for label, _ in idx.search(q, k)})
    assert found / (k * len(queries)) >= 0.98


def test_search_while_another_thread_adds(tmp_path: Path, rng: np.random.Generator) -> None:
    idx = VectorIndex(tmp_path / "m.hnsw", DIM, "m")
    vecs = rng.standard_normal((3000, DIM)).astype(np.float32)
    idx.add(np.arange(100), vecs[:100])
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for start in range(100, 3000, 100):
                idx.add(np.arange(start, start + 100), vecs[start : start + 100])
                idx.remove([start - 50])
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while thread.is_alive():
            for label, _ in idx.search(vecs[7], 10, exclude={3}):
                assert 0 <= label < 3000 and label != 3
    finally:
        thread.join()
    assert not errors
    assert len(idx) == 3000 - 29


def test_exact_search() -> None:
    vecs = np.array([[1, 0], [0, 1], [1, 1], [-1, 0]], dtype=np.float32)
    hits = exact_search(vecs, np.array([2.0, 0.0]), 2)
    assert [h[0] for h in hits] == [0, 2]
    assert hits[0][1] == pytest.approx(1.0) and hits[1][1] == pytest.approx(np.sqrt(0.5))
    assert exact_search(vecs, np.array([1.0, 0.0]), 9, ids=np.array([5, 6, 7, 8]))[-1][0] == 8
    assert exact_search(vecs, np.array([1.0, 0.0]), 0) == []
