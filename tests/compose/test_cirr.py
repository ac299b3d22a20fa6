from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from desktop.compose.cirr import CirrSet, evaluate_cirr, load_cirr
from desktop.compose.combiner import Combiner, as_query_combiner
from desktop.errors import UsageError
from desktop.models.transform import Preprocess

CIRR = Path(__file__).resolve().parents[3] / "shared" / "data" / "cirr"

try:
    from desktop.models.testing import PixelEncoder
except ImportError:  # pragma: no cover - the shared test encoder is not there yet

    class PixelEncoder:  # type: ignore[no-redef]
        """Image -> its 8 x 8 grey thumbnail; text -> a seeded random vector."""

        device = "n/a"

        def __init__(self, dim: int = 64, size: int = 8, *, name: str = "local-pixels", seed: int = 0) -> None:
            self.name, self.dim, self.preprocess = name, dim, Preprocess(size=8)

        def encode_images(self, batch: np.ndarray) -> np.ndarray:
            return batch.mean(axis=1).reshape(len(batch), -1)[:, : self.dim].astype(np.float32)

        def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
            return np.stack([np.random.default_rng(len(t)).normal(size=self.dim) for t in texts]).astype(np.float32)


RECALL_KEYS = {
    "recall@1",
    "recall@5",
    "recall@10",
    "recall@50",
    "recall_subset@1",
    "recall_subset@2",
    "recall_subset@3",
}


@pytest.fixture(scope="module")
def sample() -> CirrSet:
    if not (CIRR / "captions" / "cap.rc2.val.json").exists():
        pytest.skip(f"CIRR sample not found at {CIRR}")
    return load_cirr(
        CIRR / "captions" / "cap.rc2.val.json", CIRR / "image_splits" / "split.rc2.val.json", CIRR / "dev-images"
    )


def test_sample_has_twelve_complete_triplets(sample: CirrSet) -> None:
    assert sample.counts() == {
        "triplets_total": 4181,
        "triplets_with_images": 12,
        "triplets_with_full_subset": 0,
        "gallery_size": 13,
        "split_images": 2297,
    }
    first = next(t for t in sample.complete if t.pairid == 12060)
    assert (first.reference, first.target) == ("dev-244-0-img0", "dev-1028-1-img1")
    assert first.caption == "show three bottles of soft drink" and len(first.members) == 6


@pytest.mark.parametrize("compose", ["sum", "combiner"])
def test_evaluate_sample(sample: CirrSet, compose: str) -> None:
    encoder = PixelEncoder(dim=32)
    torch.manual_seed(0)
    combiner = as_query_combiner(Combiner(encoder.dim, 16, 16)) if compose == "combiner" else None
    got = evaluate_cirr(encoder, combiner, compose, sample)
    assert set(got) >= RECALL_KEYS
    assert all(0.0 <= got[k] <= 1.0 for k in RECALL_KEYS)
    assert got["recall@50"] == 1.0  # 12 candidates once the reference is out
    assert got["recall@1"] <= got["recall@5"] <= got["recall@10"]
    assert got["recall_subset@1"] <= got["recall_subset@2"] <= got["recall_subset@3"]
    assert (got["triplets_total"], got["triplets_with_images"], got["gallery_size"]) == (4181, 12, 13)


def test_combiner_mode_needs_a_matching_combiner(sample: CirrSet) -> None:
    with pytest.raises(UsageError):
        evaluate_cirr(PixelEncoder(dim=32), None, "combiner", sample)
    with pytest.raises(UsageError):
        evaluate_cirr(PixelEncoder(dim=32), as_query_combiner(Combiner(16, 8, 8)), "combiner", sample)


def _write_toy(root: Path) -> tuple[Path, Path, Path]:
    """Three images in the official layout (images/dev/...), one triplet whose target is missing."""
    (root / "images" / "dev").mkdir(parents=True)
    colours = {"a": (250, 10, 10), "b": (240, 20, 20), "c": (10, 10, 250)}
    for name, rgb in colours.items():
        Image.new("RGB", (12, 9), rgb).save(root / "images" / "dev" / f"{name}.png")
    members = {"id": 1, "members": ["a", "b", "c"]}
    caps = [
        {"pairid": 1, "reference": "a", "target_hard": "b", "caption": "x", "img_set": members},
        {"pairid": 2, "reference": "a", "target_hard": "c", "caption": "y", "img_set": members},
        {"pairid": 3, "reference": "b", "target_hard": "gone", "caption": "z", "img_set": members},
    ]
    (root / "caps.json").write_text(json.dumps(caps))
    split = {n: f"./dev/{n}.png" for n in [*colours, "gone"]}
    (root / "split.json").write_text(json.dumps(split))
    return root / "caps.json", root / "split.json", root / "images"


def test_images_found_by_relative_path_and_ranked(tmp_path: Path) -> None:
    caps, split, images = _write_toy(tmp_path)
    cirr = load_cirr(caps, split, images)
    assert set(cirr.images) == {"a", "b", "c"}
    assert cirr.counts()["triplets_with_images"] == 2
    got = evaluate_cirr(PixelEncoder(dim=16), None, "sum", cirr)
    assert got["gallery_size"] == 3 and got["triplets_total"] == 3
    assert got["recall@1"] in (0.0, 0.5, 1.0) and got["recall_subset@2"] == 1.0


def test_missing_or_malformed_inputs_are_usage_errors(tmp_path: Path) -> None:
    caps, split, images = _write_toy(tmp_path)
    with pytest.raises(UsageError):
        load_cirr(tmp_path / "nope.json", split, images)
    with pytest.raises(UsageError):
        load_cirr(caps, split, tmp_path / "no-images")
    with pytest.raises(UsageError):
        load_cirr(split, split, images)  # a dict where a list of triplets belongs
    (tmp_path / "bad.json").write_text(json.dumps([{"pairid": 1}]))
    with pytest.raises(UsageError):
        load_cirr(tmp_path / "bad.json", split, images)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError, match="No CIRR triplet"):
        evaluate_cirr(PixelEncoder(dim=16), None, "sum", load_cirr(caps, split, empty))
