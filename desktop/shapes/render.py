"""Pixels for the shapes world: one renderer inside the contract of shapes-world.md.

Variation (so a model learns concepts rather than this renderer's pixels): position within ±0.04, size
within ±10 %, a few degrees of rotation, small colour and background shifts, sensor-like noise, canvas
size, and JPEG re-encoding at random quality. ``jitter=False`` gives the nominal picture.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from desktop.shapes.world import BACKGROUNDS, COLOURS, POSITIONS, SIZES, Obj, Scene

SUPERSAMPLE = 3


@dataclass(frozen=True)
class Style:
    canvas: int = 128
    jitter: bool = True
    noise: float = 0.0  # std of Gaussian pixel noise (0-255 scale)
    jpeg_quality: int | None = None  # re-encode as JPEG at this quality


def random_style(rng: random.Random) -> Style:
    return Style(
        canvas=rng.choice((96, 112, 128, 128, 128, 160, 192)),
        jitter=True,
        noise=rng.choice((0.0, 0.0, 2.0, 4.0, 7.0)),
        jpeg_quality=rng.choice((None, None, 60, 75, 90)),
    )


def _shift(rgb: tuple[int, int, int], rng: random.Random, amount: int) -> tuple[int, int, int]:
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in rgb)  # type: ignore[return-value]


def _polygon(kind: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]]
    if kind == "square":
        pts = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
        scale = r
    elif kind == "triangle":
        # Equilateral, apex up, bounding box as wide as the nominal size, centred on its box.
        h = math.sqrt(3) / 2
        pts = [(0.0, -h), (1.0, h), (-1.0, h)]
        scale = r
    else:  # star, five points
        pts = []
        for i in range(10):
            rad = 1.0 if i % 2 == 0 else 0.42
            a = -math.pi / 2 + i * math.pi / 5
            pts.append((rad * math.cos(a), rad * math.sin(a) + 0.1))
        scale = r
    ca, sa = math.cos(angle), math.sin(angle)
    return [(cx + scale * (x * ca - y * sa), cy + scale * (x * sa + y * ca)) for x, y in pts]


def _draw_object(draw: ImageDraw.ImageDraw, obj: Obj, w: int, h: int, rng: random.Random, jitter: bool) -> None:
    fx, fy = POSITIONS[obj.position]
    across = SIZES[obj.size]
    colour = COLOURS[obj.colour]
    angle = 0.0
    if jitter:
        fx += rng.uniform(-0.04, 0.04)
        fy += rng.uniform(-0.04, 0.04)
        across *= rng.uniform(0.9, 1.1)
        colour = _shift(colour, rng, 12)
        angle = math.radians(rng.uniform(-8, 8))
    cx, cy, r = fx * w, fy * h, across * w / 2
    if obj.shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    else:
        draw.polygon(_polygon(obj.shape, cx, cy, r, angle), fill=colour)


def render(scene: Scene, rng: random.Random, style: Style | None = None) -> Image.Image:
    """Render ``scene`` as an RGB image of ``style.canvas`` pixels square."""
    style = style or Style()
    size = style.canvas
    big = size * SUPERSAMPLE
    bg = BACKGROUNDS[scene.background]
    if style.jitter:
        bg = _shift(bg, rng, 8)
    img = Image.new("RGB", (big, big), bg)
    draw = ImageDraw.Draw(img)
    for obj in scene.objects:
        _draw_object(draw, obj, big, big, rng, style.jitter)
    img = img.resize((size, size), Image.Resampling.BOX)
    if style.noise > 0:
        arr = np.asarray(img, dtype=np.float32)
        noise = np.random.default_rng(rng.getrandbits(32)).normal(0.0, style.noise, arr.shape)
        img = Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))
    if style.jpeg_quality is not None:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=style.jpeg_quality)
        buf.seek(0)
        img = Image.open(buf).convert("RGB")
    return img
