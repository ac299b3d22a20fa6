"""Preprocess (numpy + PIL, no torch) makes open_clip's eval tensors from the same PIL image."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from desktop.models.transform import OPENAI_MEAN, OPENAI_STD, Preprocess, target_pad

open_clip_transform = pytest.importorskip("open_clip.transform")

SIZES = [(640, 480), (480, 640), (500, 375), (224, 224), (225, 300), (301, 224), (97, 203), (1000, 999), (40, 30)]


def _photo(w: int, h: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / max(w, 1), y * 255 / max(h, 1), (x + y) % 256], axis=-1)
    noise = rng.normal(0, 20, (h, w, 3))
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB")


@pytest.mark.parametrize(("size", "mean", "std"), [(224, OPENAI_MEAN, OPENAI_STD), (64, (0.5,) * 3, (0.25,) * 3)])
def test_matches_open_clip_eval_transform(size: int, mean: tuple, std: tuple) -> None:
    theirs = open_clip_transform.image_transform(size, is_train=False, mean=mean, std=std)
    ours = Preprocess(size=size, mean=mean, std=std, pad_ratio=None)
    for i, (w, h) in enumerate(SIZES):
        img = _photo(w, h, i)
        want = theirs(img).numpy()
        got = ours(img)
        assert got.shape == want.shape == (3, size, size) and got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=0, err_msg=f"{w}x{h}")


def test_target_pad_then_the_same_transform() -> None:
    """CLIP4Cir's TargetPad on an elongated image, then open_clip's transform: ours does both."""
    theirs = open_clip_transform.image_transform(224, is_train=False)
    ours = Preprocess(size=224)
    for i, (w, h) in enumerate([(1200, 400), (300, 900), (500, 375)]):
        img = _photo(w, h, i)
        np.testing.assert_allclose(ours(img), theirs(target_pad(img, 1.25)).numpy(), atol=1e-5, rtol=0)
