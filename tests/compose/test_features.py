from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from desktop.compose.features import encode_triplets
from desktop.models.transform import Preprocess


class CountingEncoder:
    """Image feature = mean colour repeated; text feature = its length. Counts what it encodes."""

    name = "counting"
    dim = 6
    device = "n/a"

    def __init__(self) -> None:
        self.preprocess = Preprocess(size=4)
        self.images_seen = 0
        self.texts_seen: list[str] = []

    def encode_images(self, batch: np.ndarray) -> np.ndarray:
        self.images_seen += len(batch)
        return np.tile(batch.mean(axis=(2, 3)), 2).astype(np.float32)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        self.texts_seen.extend(texts)
        return np.array([[len(t)] * self.dim for t in texts], np.float32)


COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}


def test_each_image_and_text_is_encoded_once() -> None:
    loads: list[str] = []

    def load(key: str) -> Image.Image:
        loads.append(key)
        return Image.new("RGB", (8, 8), COLOURS[key])

    triplets = [("red", "make it green", "green"), ("green", "make it blue", "blue"), ("red", "make it blue", "blue")]
    enc = CountingEncoder()
    ref, mod, tgt = encode_triplets(enc, triplets, load, batch_size=2)

    assert sorted(loads) == ["blue", "green", "red"] and enc.images_seen == 3
    assert sorted(enc.texts_seen) == ["make it blue", "make it green"]
    assert ref.shape == mod.shape == tgt.shape == (3, 6)
    np.testing.assert_array_equal(ref[0], ref[2])
    np.testing.assert_array_equal(tgt[0], ref[1])  # "green" as a target and as a reference: same vector
    assert ref[0][0] > ref[0][1] and tgt[1][2] > tgt[1][0]  # red reference, blue target
    np.testing.assert_array_equal(mod[:, 0], [13, 12, 12])


def test_no_triplets_give_empty_arrays() -> None:
    ref, mod, tgt = encode_triplets(CountingEncoder(), [], lambda k: Image.new("RGB", (4, 4)))
    assert ref.shape == mod.shape == tgt.shape == (0, 6)
