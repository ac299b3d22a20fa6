"""Image preprocessing for CLIP encoders, without torchvision.

TargetPad (CLIP4Cir): when an image is more elongated than ``ratio`` (max side / min side), pad the
short side with black until it is exactly ``ratio``; then resize the short side to the model's input
size and centre-crop. This keeps most of a panorama visible instead of cropping it away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)


def target_pad(img: Image.Image, ratio: float = 1.25) -> Image.Image:
    w, h = img.size
    long_side, short_side = max(w, h), min(w, h)
    if short_side == 0 or long_side / short_side <= ratio:
        return img
    new_short = round(long_side / ratio)
    canvas_size = (w, new_short) if w >= h else (new_short, h)
    canvas = Image.new("RGB", canvas_size, (0, 0, 0))
    canvas.paste(img, ((canvas_size[0] - w) // 2, (canvas_size[1] - h) // 2))
    return canvas


@dataclass(frozen=True)
class Preprocess:
    """PIL image -> float32 array (3, size, size), normalised; callable from any thread."""

    size: int
    mean: tuple[float, float, float] = OPENAI_MEAN
    std: tuple[float, float, float] = OPENAI_STD
    pad_ratio: float | None = 1.25

    def geometry(self, img: Image.Image) -> Image.Image:
        """Pad, resize and centre-crop to ``size`` x ``size`` RGB (no normalisation).

        The resize and crop are open_clip's eval transform to the pixel (torchvision's ``Resize`` of the
        short side, long side truncated, bicubic; ``CenterCrop`` with its rounding), so features match
        what the model was trained and evaluated with; tests/models/test_transform.py checks it.
        """
        if img.mode != "RGB":
            img = img.convert("RGB")
        if self.pad_ratio is not None:
            img = target_pad(img, self.pad_ratio)
        w, h = img.size
        long_side = int(self.size * max(w, h) / min(w, h))
        nw, nh = (self.size, long_side) if w <= h else (long_side, self.size)
        if (nw, nh) != (w, h):
            img = img.resize((nw, nh), Image.Resampling.BICUBIC)
        top, left = round((nh - self.size) / 2.0), round((nw - self.size) / 2.0)  # half to even, as torchvision
        return img.crop((left, top, left + self.size, top + self.size))

    def normalize(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 (..., size, size, 3) -> float32 (..., 3, size, size), normalised."""
        arr = np.asarray(pixels, dtype=np.float32) / np.float32(255.0)
        arr = (arr - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
        return np.ascontiguousarray(np.moveaxis(arr, -1, -3))

    def __call__(self, img: Image.Image) -> np.ndarray:
        return self.normalize(np.asarray(self.geometry(img)))
