"""Every way of ranking a subset returns only allowed ids, and the best ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop.search.filtered import search_subset
from desktop.vectors import VectorIndex


@pytest.mark.parametrize("strategy", ["exact", "filter", "overfetch", "auto"])
@pytest.mark.parametrize("fraction", [0.5, 0.05, 0.005])
def test_subset_search_stays_inside_and_finds_the_nearest(tmp_path: Path, strategy: str, fraction: float) -> None:
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((40, 32))
    which = rng.integers(0, 40, 3000)
    vecs = (centres[which] + 0.3 * rng.standard_normal((3000, 32))).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    index = VectorIndex(tmp_path / "i.bin", 32, "m")
    ids = np.arange(10, 3010)
    index.add(ids, vecs)
    allowed = np.sort(rng.choice(ids, int(3000 * fraction), replace=False))
    banned = {int(allowed[0])}
    for q in rng.standard_normal((20, 32)).astype(np.float32):
        got = search_subset(index, q, 10, allowed, exclude=banned, strategy=strategy)
        keep = allowed[allowed != allowed[0]]
        scores = vecs[keep - 10] @ (q / np.linalg.norm(q))
        truth = set(keep[np.argsort(-scores)[:10]].tolist())
        assert {i for i, _ in got} <= set(keep.tolist())
        assert len(got) == min(10, len(keep))
        assert len({i for i, _ in got} & truth) >= 0.9 * len(truth)
