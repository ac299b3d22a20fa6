"""`reframe train-combiner` and `reframe eval` through the command line (small, fast settings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.compose.inference import Fusion, load_query_combiner

CIRR = Path(__file__).resolve().parents[2] / "shared" / "data" / "cirr"
needs_cirr = pytest.mark.skipif(not (CIRR / "captions").is_dir(), reason="../shared/data/cirr is not beside the repo")
MODEL = ["--model", "test-pixels"]


def test_train_combiner_on_shapes_then_composed_search_uses_it(
    tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = ["--library", str(tmp_path / "lib")]
    assert main(["train-combiner", "--refs", "60", "--epochs", "2", "--batch-size", "64", *lib, *MODEL]) == 0
    written = tmp_path / "lib" / "combiners" / "test-pixels" / "combiner.safetensors"
    assert written.is_file()
    card = json.loads(written.with_suffix(".json").read_text())
    assert card["backbone"] == "test-pixels" and "shapes-world" in card["recipe"] and card["epochs"] == 2
    assert "training phrasebook" in card["recipe"], "edits come in the wider phrasebook's words by default"
    assert "fusion" not in card, "the blend with the sum measured no better on the shapes world: off by default"
    assert not written.with_suffix(".ckpt").exists(), "the resume checkpoint is removed once training is done"
    main(["index", str(photos), *lib, *MODEL])
    capsys.readouterr()
    probe = str(sorted(photos.rglob("*.png"))[0])
    assert main(["search", "--image", probe, "--text", "make the circle red", "--json", "--all", *lib, *MODEL]) == 0
    captured = capsys.readouterr()
    found = json.loads(captured.out)
    assert len(found["results"]) == 10 and found["mode"] == "combiner"
    assert "sum baseline" not in captured.err, "the trained Combiner is used"


def test_train_combiner_in_world_words_with_a_fusion(tmp_path: Path) -> None:
    out = tmp_path / "c.safetensors"
    args = ["--refs", "30", "--epochs", "1", "--batch-size", "32", "--phrasings", "world", "--sum-weight", "0.3"]
    assert main(["train-combiner", *args, "--out", str(out), "--library", str(tmp_path / "lib"), *MODEL]) == 0
    card = json.loads(out.with_suffix(".json").read_text())
    assert "phrasebook" not in card["recipe"] and card["fusion"] == Fusion(0.3).card()
    assert load_query_combiner(out).fusion == Fusion(0.3)


@needs_cirr
def test_eval_cirr_on_the_shared_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "eval", "cirr",
        "--annotations", str(CIRR / "captions" / "cap.rc2.val.json"),
        "--splits", str(CIRR / "image_splits" / "split.rc2.val.json"),
        "--images", str(CIRR / "dev-images"),
        "--library", str(tmp_path / "lib"), "--json", *MODEL,
    ]  # fmt: skip
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["triplets_with_images"] == 12 and report["triplets_total"] == 4181
    for key in ("recall@1", "recall@5", "recall@10", "recall@50", "recall_subset@1", "recall_subset@2"):
        assert 0.0 <= report[key] <= 1.0
    assert report["recall@1"] <= report["recall@5"] <= report["recall@10"] <= report["recall@50"]


@needs_cirr
def test_train_combiner_from_cirr_annotations(tmp_path: Path) -> None:
    args = [
        "train-combiner",
        "--cirr-annotations", str(CIRR / "captions" / "cap.rc2.val.json"),
        "--cirr-splits", str(CIRR / "image_splits" / "split.rc2.val.json"),
        "--cirr-images", str(CIRR / "dev-images"),
        "--epochs", "2", "--batch-size", "8",
        "--library", str(tmp_path / "lib"), *MODEL,
    ]  # fmt: skip
    assert main(args) == 0
    card = json.loads((tmp_path / "lib" / "combiners" / "test-pixels" / "combiner.json").read_text())
    assert "12 with images" in card["recipe"]


def test_eval_cirr_needs_its_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "cirr", "--library", str(tmp_path / "lib"), *MODEL]) == 2
    assert "--annotations" in capsys.readouterr().err
