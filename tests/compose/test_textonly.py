from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
import torch

from desktop.cli import main
from desktop.compose import textonly
from desktop.compose.inference import NumpyCombiner
from desktop.compose.phrasebook import photo_triplets
from desktop.compose.textonly import (
    Bridge,
    FeatureStats,
    TextOnlyConfig,
    encode_captions,
    train_for_library,
    train_text_only,
)
from desktop.compose.train import TrainingCancelled
from desktop.compose.weights import load_combiner
from desktop.errors import UsageError
from desktop.library import Library
from desktop.models.testing import PixelEncoder

MODEL = "test-pixels"
TINY = TextOnlyConfig(epochs=2, batch_size=32, proj_dim=16, hidden_dim=32, seed=1)
CIRR = Path(__file__).resolve().parents[3] / "shared" / "data" / "cirr"


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class CountingEncoder(PixelEncoder):
    def __init__(self) -> None:
        super().__init__(dim=16)
        self.encoded: list[str] = []

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += list(texts)
        return super().encode_texts(texts)


def _feats(n: int = 40, d: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(2.0, 1.0, size=(n, d)).astype(np.float32)


# -------------------------------------------------------------------------------------------- bridges


def test_no_bridge_leaves_features_alone() -> None:
    ref, tgt = _feats(), _feats(seed=1)
    r, t = Bridge("none").apply(ref, tgt)
    np.testing.assert_array_equal(r, ref)
    np.testing.assert_array_equal(t, tgt)


def test_noise_bridge_perturbs_references_by_the_asked_share_of_their_norm() -> None:
    ref, tgt = _feats(400, 256), _feats(400, 256, seed=1)
    r, t = Bridge("noise", noise=0.5).apply(ref, tgt, seed=3)
    np.testing.assert_array_equal(t, tgt)  # targets stay what the Combiner must reach
    ratio = np.linalg.norm(r - ref, axis=1) / np.linalg.norm(ref, axis=1)
    assert abs(ratio.mean() - 0.5) < 0.02
    np.testing.assert_array_equal(r, Bridge("noise", noise=0.5).apply(ref, tgt, seed=3)[0])
    assert not np.array_equal(r, Bridge("noise", noise=0.5).apply(ref, tgt, seed=4)[0])
    np.testing.assert_array_equal(ref, _feats(400, 256))  # inputs untouched
    assert Bridge("noise").sigma == textonly.DEFAULT_NOISE["noise"] > 0


def _stats(mean: float, n: int = 500, d: int = 16, spread: float = 1.0, seed: int = 7) -> FeatureStats:
    return FeatureStats.of(np.random.default_rng(seed).normal(mean, spread, size=(n, d)))


def test_meanshift_bridge_adds_the_gap_between_the_given_means() -> None:
    ref, tgt = _feats(), _feats(seed=1)
    image, text = _stats(5.0), _stats(2.0, seed=8)
    r, t = Bridge("meanshift", noise=0.0, image=image, text=text).apply(ref, tgt)
    gap = np.broadcast_to(image.mean - text.mean, ref.shape)
    np.testing.assert_allclose(r - ref, gap, atol=1e-5)
    np.testing.assert_allclose(t - tgt, gap, atol=1e-5)
    # Without text statistics, those of the captions given are used: their mean lands on the image mean.
    r, t = Bridge("meanshift", noise=0.0, image=image).apply(ref, tgt)
    np.testing.assert_allclose(np.unique(np.concatenate([r, t]), axis=0).mean(axis=0), image.mean, atol=1e-4)
    noisy, _ = Bridge("meanshift", noise=0.3, image=image).apply(ref, tgt)
    assert not np.allclose(noisy, r)
    assert Bridge("meanshift", image=image).describe() == {
        "kind": "meanshift", "noise": textonly.DEFAULT_NOISE["meanshift"], "image_count": 500,
        "image_mean_norm": round(float(np.linalg.norm(image.mean)), 4),
    }  # fmt: skip


def test_coral_bridge_gives_captions_the_image_mean_and_spread() -> None:
    rng = np.random.default_rng(0)
    mixing = np.eye(8) + 0.3 * rng.normal(size=(8, 8))  # correlated caption features
    text_feats = (rng.normal(size=(3000, 8)) @ mixing + 1.0).astype(np.float32)
    image = FeatureStats.of(rng.normal(size=(3000, 8)) * 3.0 - 2.0)
    r, t = Bridge("coral", noise=0.0, image=image).apply(text_feats[:1500], text_feats[1500:])
    mapped = np.concatenate([r, t])
    np.testing.assert_allclose(mapped.mean(axis=0), image.mean, atol=0.05)
    cov = np.cov(mapped, rowvar=False)
    # The images' spread (near, not equal: the covariances are shrunk), and less of the captions' correlations.
    assert abs(np.trace(cov) / np.trace(image.cov) - 1) < 0.2
    assert _max_correlation(mapped) < 0.5 * _max_correlation(text_feats)


def _max_correlation(x: np.ndarray) -> float:
    c = np.corrcoef(x, rowvar=False)
    return float(np.abs(c - np.eye(len(c))).max())


def test_bridges_refuse_what_they_cannot_do() -> None:
    for kind in ("meanshift", "coral"):
        with pytest.raises(UsageError):
            Bridge(kind)  # no image statistics
    with pytest.raises(UsageError):
        Bridge("whiten")
    with pytest.raises(UsageError):
        Bridge("noise", noise=-1.0)


def test_image_statistics_need_enough_indexed_photos() -> None:
    class FakeCatalog:
        def __init__(self, n: int) -> None:
            self.vecs = np.random.default_rng(n).normal(size=(n, 4)).astype(np.float32)

        def ids_with_vectors(self, model: str) -> np.ndarray:
            return np.arange(len(self.vecs))

        def vectors(self, model: str, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
            return np.asarray(ids), self.vecs[ids]

    big = FakeCatalog(40)
    stats = textonly.image_stats_from_catalog(big, MODEL)
    np.testing.assert_allclose(stats.mean, big.vecs.mean(axis=0), rtol=1e-5)
    assert stats.count == 40 and stats.cov.shape == (4, 4)
    with pytest.raises(UsageError, match="at least"):
        textonly.image_stats_from_catalog(FakeCatalog(3), MODEL)


# -------------------------------------------------------------------------------------- caption cache


def test_captions_are_encoded_once_and_cached(tmp_path: Path) -> None:
    enc = CountingEncoder()
    texts = ["a dog", "a cat", "a dog", "make it red"] * 3 + [f"text {i}" for i in range(20)]
    cache = tmp_path / "captions.npz"
    first = encode_captions(enc, texts, cache_path=cache, batch_size=8, flush_every=8)
    assert sorted(enc.encoded) == sorted(set(texts)) and set(first) == set(texts)
    enc2 = CountingEncoder()
    second = encode_captions(enc2, [*texts, "one more"], cache_path=cache, batch_size=8)
    assert enc2.encoded == ["one more"]
    for t in texts:
        np.testing.assert_array_equal(first[t], second[t])
    stranger = PixelEncoder(dim=16, name="another-model")  # another model's cache is not used
    assert len(encode_captions(stranger, texts, cache_path=cache)) == len(set(texts))


def test_cancelled_encoding_keeps_what_it_did(tmp_path: Path) -> None:
    enc = CountingEncoder()
    texts = [f"caption {i}" for i in range(40)]
    stop = threading.Event()

    def progress(stage: str, done: int, total: int, metrics: object) -> None:
        if done >= 16:
            stop.set()

    with pytest.raises(TrainingCancelled):
        encode_captions(enc, texts, cache_path=tmp_path / "c.npz", batch_size=8, progress=progress, cancel=stop)
    enc2 = CountingEncoder()
    encode_captions(enc2, texts, cache_path=tmp_path / "c.npz", batch_size=8)
    assert len(enc2.encoded) == 40 - 16


# ------------------------------------------------------------------------------------------- training


def test_interrupted_training_resumes_to_the_same_weights(tmp_path: Path) -> None:
    enc = PixelEncoder(dim=16)
    data = photo_triplets(40, seed=2)
    bridge = Bridge("noise")
    config = TextOnlyConfig(epochs=3, batch_size=32, proj_dim=16, hidden_dim=32)
    straight, card = train_text_only(enc, data, bridge, config=config)

    stop = threading.Event()

    def progress(stage: str, done: int, total: int, metrics: object) -> None:
        if stage == "training" and done == 2:
            stop.set()

    work = tmp_path / "work"
    with pytest.raises(TrainingCancelled):
        train_text_only(enc, data, bridge, config=config, work_dir=work, progress=progress, cancel=stop)
    resumed, _ = train_text_only(enc, data, bridge, config=config, work_dir=work)
    for k, v in straight.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[k], v, rtol=0, atol=0)
    assert card["bridge"] == {"kind": "noise", "noise": textonly.DEFAULT_NOISE["noise"]}
    assert card["triplets"] == 160 and card["epochs"] == 3


def test_library_gets_a_loadable_text_only_combiner(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib", MODEL) as lib:
        assert lib.combiner() is None
        path = train_for_library(lib, bridge="noise", refs=40, config=TINY)
        assert path == lib.paths.combiners / MODEL / "combiner.safetensors"
        assert isinstance(lib.combiner(), NumpyCombiner), "used as soon as it is written"
        assert not (path.parent / "combiner.textonly-work").exists()
    combiner, card = load_combiner(path)
    assert combiner.sizes == {"dim": 64, "proj_dim": 16, "hidden_dim": 32}
    assert card["backbone"] == MODEL and card["data_seed"] == 1 and card["bridge"]["kind"] == "noise"
    assert "text-only" in card["recipe"] and "phrasebook" in card["source"]
    assert set(card["metrics"]["caption_val"]) >= {"recall@1", "recall@10"}


def test_image_bridges_use_the_indexed_photos(tmp_path: Path, photos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Library.open(tmp_path / "lib", MODEL) as lib:
        with pytest.raises(UsageError, match="Index some photos"):
            train_for_library(lib, bridge="meanshift", refs=20, config=TINY)
        assert textonly.library_bridge(lib, None, lib.load_model()).kind == "noise"  # auto: what it can
        lib.add_root(photos)
        lib.index()
        monkeypatch.setattr(textonly, "MIN_IMAGES", 10)
        bridge = textonly.library_bridge(lib, None, lib.load_model())
        assert bridge.kind == "coral" and bridge.image is not None
        _, vecs = lib.catalog.vectors(MODEL)
        np.testing.assert_allclose(bridge.image.mean, vecs.mean(axis=0), rtol=1e-5)
        path = train_for_library(lib, bridge="meanshift", refs=20, config=TINY)
        card = json.loads(path.with_suffix(".json").read_text())
        assert card["bridge"]["kind"] == "meanshift" and card["bridge"]["image_count"] == 12
        assert card["created"]


def test_cli_text_only_then_cirr_harness_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = ["--library", str(tmp_path / "lib"), "--model", MODEL]
    small = ["--refs", "30", "--epochs", "1", "--batch-size", "32", "--proj-dim", "16", "--hidden-dim", "32"]
    assert main(["train-combiner", "--text-only", "--bridge", "noise", *small, *lib]) == 0
    written = tmp_path / "lib" / "combiners" / MODEL / "combiner.safetensors"
    assert written.is_file() and "text-only" in json.loads(written.with_suffix(".json").read_text())["recipe"]
    if not (CIRR / "captions").is_dir():
        return
    capsys.readouterr()
    args = [
        "eval", "cirr", "--json",
        "--annotations", str(CIRR / "captions" / "cap.rc2.val.json"),
        "--splits", str(CIRR / "image_splits" / "split.rc2.val.json"),
        "--images", str(CIRR / "dev-images"),
    ]  # fmt: skip
    assert main([*args, *lib]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["compose"] == "combiner" and 0.0 <= report["recall@1"] <= 1.0


def test_cli_text_only_trains_the_recipe_that_was_measured_by_default(tmp_path: Path) -> None:
    """Without --epochs, a text-only run trains 30 epochs (where the shapes-tiny result was measured),
    not the 20 of image-feature training."""
    lib = ["--library", str(tmp_path / "lib"), "--model", MODEL]
    small = ["--refs", "8", "--batch-size", "16", "--proj-dim", "8", "--hidden-dim", "8"]
    assert main(["train-combiner", "--text-only", "--bridge", "noise", *small, *lib]) == 0
    card = json.loads((tmp_path / "lib" / "combiners" / MODEL / "combiner.json").read_text())
    assert card["epochs"] == 30 and card["triplets"] == 8 * 4
