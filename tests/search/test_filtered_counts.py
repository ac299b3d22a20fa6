"""Result counts under filters: a filter picks among the library's matches, so the counts of disjoint filters
add up to the whole library's, whichever way the filtered subset is ranked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop.library import Library
from desktop.search import engine, filtered
from desktop.search.engine import SearchRequest
from desktop.search.filters import Filters
from desktop.search.terms import parse_terms
from desktop.vectors.subset_scores import GRAPH, SubsetScorer, build_graph
from tests.search.conftest import shapes_library

QUERIES = ("a red circle", "a blue square", "a star", "a green triangle", "a yellow star")


@pytest.fixture(scope="module")
def split_gallery(tmp_path_factory: pytest.TempPathFactory):
    """120 shapes scenes in two folders, indexed with the bundled shapes-tiny."""
    base = tmp_path_factory.mktemp("split")
    lib, _ = shapes_library(base, 120, 77, render_from=9000, subfolder=lambda i: "a" if i % 3 else "b")
    yield base / "photos", lib
    lib.close()


def _find(lib: Library, text: str, folder: Path | None = None, **kw: object) -> engine.Found:
    filters = Filters.parse(folders=[str(folder)]) if folder else Filters()
    return lib.find(SearchRequest(tuple(parse_terms(text)), k=1000, filters=filters, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("subset", ["exact", "graph"])
def test_filtered_matches_are_the_librarys_matches_inside_the_filter(
    split_gallery, subset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos, lib = split_gallery
    if subset == "graph":  # subsets too large to score exactly: the graph's top, intersected with the filter
        monkeypatch.setattr(engine, "EXACT_MAX", 5)
        monkeypatch.setattr(filtered, "EXACT_MAX", 5)
    for text in QUERIES:
        everywhere = _find(lib, text)
        assert everywhere.matches is not None and 0 < everywhere.matches < 120
        parts = [_find(lib, text, photos / name) for name in ("a", "b")]
        assert sum(p.matches or 0 for p in parts) == everywhere.matches, text
        library_matches = {h.path for h in everywhere.hits}
        for name, part in zip(("a", "b"), parts, strict=True):
            got = [h.path for h in part.hits]
            assert len(got) == part.matches
            assert all(Path(p).parent.name == name for p in got)
            assert set(got) <= library_matches, text
            assert [h.score for h in part.hits] == sorted((h.score for h in part.hits), reverse=True)


def test_weaker_under_a_filter_lists_the_matches_then_the_rest_of_the_folder(split_gallery) -> None:
    photos, lib = split_gallery
    cut = _find(lib, "a red circle", photos / "a")
    weaker = _find(lib, "a red circle", photos / "a", weaker=True)
    folder_size = sum(1 for _ in (photos / "a").iterdir())
    assert weaker.matches == cut.matches and len(weaker.hits) == folder_size
    assert [h.path for h in weaker.hits[: cut.matches or 0]] == [h.path for h in cut.hits]


def test_the_shipped_scoring_graph_is_the_one_the_code_builds() -> None:
    pytest.importorskip("onnx")
    assert GRAPH.read_bytes() == build_graph()


def test_onnx_runtime_and_numpy_score_a_subset_alike() -> None:
    rng = np.random.default_rng(5)
    table = rng.standard_normal((5000, 64)).astype(np.float32)
    table /= np.linalg.norm(table, axis=1, keepdims=True)
    table16 = table.astype(np.float16)
    rows = np.sort(rng.choice(5000, 700, replace=False))
    q = rng.standard_normal(64).astype(np.float32)
    q /= np.linalg.norm(q)
    fast, slow = SubsetScorer(table16), SubsetScorer(table16, use_onnx=False)
    assert fast.backend == "onnxruntime" and slow.backend == "numpy"
    np.testing.assert_allclose(fast(rows, q), slow(rows, q), atol=1e-5)
    np.testing.assert_allclose(fast(rows, q), table[rows] @ q, atol=2e-3)  # float16 storage, float32 sums
    assert fast(np.empty(0, np.int64), q).shape == (0,)
