from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from desktop.compose.combiner import Combiner, compose_query
from desktop.compose.weights import (
    FILE_NAME,
    card_path,
    combiner_dir,
    default_search_dirs,
    find_combiner,
    load_combiner,
    save_combiner,
)
from desktop.errors import ModelUnavailable
from desktop.paths import RESOURCES, safe_name

MODEL = "ViT-B-32/laion2b_s34b_b79k"


def _trained_like() -> Combiner:
    torch.manual_seed(1)
    return Combiner(16, 24, 40)


def test_roundtrip_gives_identical_outputs(tmp_path: Path) -> None:
    c = _trained_like()
    card = {"backbone": MODEL, "recipe": "clip4cir-combiner", "data_seed": 7, "metrics": {"recall@1": 0.5}}
    path = save_combiner(tmp_path / "combiner.safetensors", c, card)
    assert path.exists() and card_path(path).exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]

    loaded, loaded_card = load_combiner(path)
    assert loaded.sizes == c.sizes and not loaded.training
    rng = np.random.default_rng(0)
    img, txt = rng.normal(size=(4, 16)).astype(np.float32), rng.normal(size=(4, 16)).astype(np.float32)
    np.testing.assert_array_equal(compose_query(loaded, img, txt), compose_query(c, img, txt))

    assert {k: loaded_card[k] for k in card} == card
    assert loaded_card["sizes"]["dim"] == 16 and loaded_card["sizes"]["hidden_dim"] == 40
    assert loaded_card["sizes"]["parameters"] == sum(p.numel() for p in c.parameters())
    assert "created" in loaded_card and loaded_card["dtype"] == "float32"
    assert json.loads(card_path(path).read_text())["backbone"] == MODEL


def test_half_precision_is_close(tmp_path: Path) -> None:
    c = _trained_like()
    path = save_combiner(tmp_path / "half", c, {"backbone": MODEL}, half=True)
    assert path.name == "half.safetensors"
    loaded, card = load_combiner(path)
    assert card["dtype"] == "float16"
    img, txt = np.ones((1, 16), np.float32), np.full((1, 16), -0.5, np.float32)
    np.testing.assert_allclose(compose_query(loaded, img, txt), compose_query(c, img, txt), atol=2e-3)


def test_missing_card_loads_with_empty_card(tmp_path: Path) -> None:
    path = save_combiner(tmp_path / "c.safetensors", _trained_like(), {})
    card_path(path).unlink()
    _, card = load_combiner(path)
    assert card == {}


def test_bad_files_raise_model_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable):
        load_combiner(tmp_path / "nothing.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file at all")
    with pytest.raises(ModelUnavailable):
        load_combiner(junk)


def test_find_combiner_prefers_library_over_bundled(tmp_path: Path) -> None:
    library, bundled = tmp_path / "library" / "combiners", tmp_path / "resources" / "models"
    dirs = [library, bundled]
    assert find_combiner(MODEL, dirs) is None

    bundled_file = save_combiner(combiner_dir(bundled, MODEL) / FILE_NAME, _trained_like(), {"backbone": MODEL})
    assert bundled_file.parent.name == safe_name(MODEL)
    assert find_combiner(MODEL, dirs) == bundled_file

    user_file = save_combiner(combiner_dir(library, MODEL) / FILE_NAME, _trained_like(), {"backbone": MODEL})
    assert find_combiner(MODEL, dirs) == user_file
    assert find_combiner("another-model", dirs) is None


def test_default_search_dirs_put_the_library_first(tmp_path: Path) -> None:
    assert default_search_dirs(tmp_path) == [tmp_path, RESOURCES / "models"]
    assert default_search_dirs(None) == [RESOURCES / "models"]
