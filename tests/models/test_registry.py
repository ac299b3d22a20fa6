from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from desktop.errors import UsageError
from desktop.models import registry
from desktop.models.registry import DEFAULT_MODEL, ModelSpec, available_models, get_spec

HUB = [s for s in available_models() if s.source == "hub"]


def test_default_is_listed_first() -> None:
    assert available_models()[0].name == DEFAULT_MODEL == "ViT-B-32/laion2b_s34b_b79k"
    spec = get_spec(DEFAULT_MODEL)
    assert (spec.arch, spec.pretrained, spec.dim, spec.image_size) == ("ViT-B-32", "laion2b_s34b_b79k", 512, 224)


def test_expected_models_are_offered() -> None:
    names = {s.name for s in available_models()}
    assert {
        "ViT-B-32/laion2b_s34b_b79k",
        "ViT-B-16/laion2b_s34b_b88k",
        "ViT-L-14/laion2b_s32b_b82k",
        "MobileCLIP-S1/datacompdr",
        "shapes-tiny",
    } <= names


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(UsageError) as err:
        get_spec("ViT-Q-99/nothing")
    text = str(err.value)
    assert err.value.exit_code == 2 and "ViT-Q-99/nothing" in text
    for spec in available_models():
        assert spec.name in text
    assert "test-pixels" not in text


def test_hidden_models_are_not_listed() -> None:
    assert "test-pixels" not in {s.name for s in available_models()}
    assert "test-pixels" in {s.name for s in available_models(include_hidden=True)}
    spec = get_spec("test-pixels")
    assert spec.hidden and spec.source == "test"


@pytest.mark.parametrize("spec", HUB, ids=lambda s: s.name)
def test_hub_entries_point_at_open_clip_files(spec: ModelSpec) -> None:
    assert spec.url is not None
    assert re.fullmatch(
        r"https://huggingface\.co/[\w.-]+/[\w.-]+/resolve/main/open_clip_(pytorch_model\.bin|model\.safetensors)",
        spec.url,
    )
    assert spec.filename == spec.url.rsplit("/", 1)[1]
    assert spec.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", spec.sha256)
    assert spec.size_bytes and spec.description and spec.name == f"{spec.arch}/{spec.pretrained}"


@pytest.mark.parametrize("spec", HUB, ids=lambda s: s.name)
def test_hub_entries_match_open_clip(spec: ModelSpec) -> None:
    """The dims, input size and normalisation agree with open_clip's own config for that checkpoint."""
    import open_clip

    cfg = open_clip.get_model_config(spec.arch)
    assert cfg is not None
    assert cfg["embed_dim"] == spec.dim
    assert cfg["vision_cfg"]["image_size"] == spec.image_size
    pre = open_clip.get_pretrained_cfg(spec.arch, spec.pretrained)
    assert pre and spec.url and pre["hf_hub"].rstrip("/") in spec.url
    assert pytest.approx(pre["mean"]) == spec.mean and pytest.approx(pre["std"]) == spec.std


def test_bundled_spec_reads_its_config(tmp_path: Path, register) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    config = {
        "model_cfg": {"embed_dim": 48, "vision_cfg": {"image_size": 40}, "text_cfg": {}},
        "preprocess": {"size": 40, "mean": [0.1, 0.2, 0.3], "std": [0.4, 0.5, 0.6]},
    }
    (folder / registry.BUNDLED_CONFIG).write_text(json.dumps(config))
    register(ModelSpec("b-test", "b", "bundled", 1, 1, "t", source="bundled", bundled_dir=folder))
    spec = get_spec("b-test")
    assert (spec.dim, spec.image_size, spec.mean, spec.std) == (48, 40, (0.1, 0.2, 0.3), (0.4, 0.5, 0.6))


def test_shapes_tiny_is_bundled_in_resources() -> None:
    spec = get_spec("shapes-tiny")
    assert spec.source == "bundled" and spec.bundled_dir is not None
    assert spec.bundled_dir.parts[-3:] == ("resources", "models", "shapes-tiny")


def test_register_refuses_to_shadow(register) -> None:
    register(ModelSpec("dup-test", "a", "b", 1, 1, "d", hidden=True))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(ModelSpec("dup-test", "a", "b", 1, 1, "d"))
