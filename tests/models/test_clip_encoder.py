"""Text features are the same whether or not the padding after a batch's longest caption is dropped."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from desktop.models.clip_encoder import OpenClipEncoder
from desktop.models.loader import load_encoder
from desktop.paths import RESOURCES, LibraryPaths

CAPTIONS = [
    "a red circle",
    "a small blue square at the top left on a black background",
    "two shapes",
    "a large green triangle and a small yellow star on a white background, at the bottom right",
]

pytestmark = pytest.mark.skipif(
    not (RESOURCES / "models" / "shapes-tiny" / "model.safetensors").is_file(), reason="shapes-tiny is not bundled"
)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> OpenClipEncoder:
    enc = load_encoder("shapes-tiny", LibraryPaths(tmp_path_factory.mktemp("lib")), device="cpu", backend="torch")
    assert isinstance(enc, OpenClipEncoder)
    return enc


def full_length(enc: OpenClipEncoder, texts: list[str]) -> np.ndarray:
    with torch.inference_mode():
        return enc.model.encode_text(enc.tokenize(texts)).float().numpy()


def test_trimmed_batches_give_the_features_of_full_ones(encoder: OpenClipEncoder) -> None:
    tokens = encoder._trim(encoder.tokenize(CAPTIONS))
    assert tokens.shape[1] < encoder.model.positional_embedding.shape[0]  # something was dropped
    np.testing.assert_allclose(encoder.encode_texts(CAPTIONS), full_length(encoder, CAPTIONS), rtol=1e-4, atol=1e-5)
    # A batch of one short caption is trimmed harder and still agrees.
    np.testing.assert_allclose(encoder.encode_texts(["a star"]), full_length(encoder, ["a star"]), rtol=1e-4, atol=1e-5)


def test_towers_that_pool_elsewhere_are_not_trimmed(encoder: OpenClipEncoder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder.model, "text_pool_type", "last")  # the last place is padding: it matters
    tokens = encoder.tokenize(CAPTIONS)
    assert encoder._trim(tokens).shape == tokens.shape
