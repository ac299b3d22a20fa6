from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from desktop.models.encoder import Encoder, normalize
from desktop.models.testing import PixelEncoder, colour_layout


def _image(rgb: tuple[int, int, int], size: int = 50) -> Image.Image:
    return Image.new("RGB", (size, size), rgb)


def test_protocol_and_shapes() -> None:
    enc = PixelEncoder(dim=64, size=32)
    assert isinstance(enc, Encoder) and enc.device == "n/a"
    batch = np.stack([enc.preprocess(_image((200, 10, 10))), enc.preprocess(_image((10, 10, 200)))])
    feats = enc.encode_images(batch)
    assert feats.shape == (2, 64) and feats.dtype == np.float32
    texts = enc.encode_texts(["a red square", "a blue square", "a red square"])
    assert texts.shape == (3, 64) and texts.dtype == np.float32
    np.testing.assert_array_equal(texts[0], texts[2])
    assert enc.encode_texts([]).shape == (0, 64)


def test_deterministic_across_instances() -> None:
    a, b = PixelEncoder(), PixelEncoder()
    batch = np.random.default_rng(1).standard_normal((3, 3, 32, 32)).astype(np.float32)
    np.testing.assert_array_equal(a.encode_images(batch), b.encode_images(batch))
    np.testing.assert_array_equal(a.encode_texts(["x"]), b.encode_texts(["x"]))


def test_similar_images_are_closer() -> None:
    enc = PixelEncoder()
    imgs = [_image((200, 20, 20)), _image((190, 30, 25)), _image((20, 20, 200))]
    v = normalize(enc.encode_images(np.stack([enc.preprocess(i) for i in imgs])))
    assert v[0] @ v[1] > v[0] @ v[2]


def test_colour_layout_is_cell_means() -> None:
    batch = np.zeros((1, 3, 8, 8), np.float32)
    batch[0, 0, :2, :2] = 1.0  # top-left cell of the red channel
    layout = colour_layout(batch)
    assert layout.shape == (1, 48) and layout[0, 0] == 1.0 and layout.sum() == 1.0


def test_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="expects images"):
        PixelEncoder(size=32).encode_images(np.zeros((1, 3, 16, 16), np.float32))


def test_test_model_and_status_need_no_torch(tmp_path) -> None:
    code = (
        "import sys\n"
        "from desktop.models.loader import load_encoder, weights_status\n"
        "from desktop.paths import LibraryPaths\n"
        "from pathlib import Path\np = LibraryPaths(Path(sys.argv[1]))\n"
        "enc = load_encoder('test-pixels', p)\n"
        "assert type(enc).__name__ == 'PixelEncoder', enc\n"
        "assert weights_status('ViT-B-32/laion2b_s34b_b79k', p) == 'missing'\n"
        "assert weights_status('test-pixels', p) == 'bundled'\n"
        "assert 'torch' not in sys.modules and 'open_clip' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=60)
