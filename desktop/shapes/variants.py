"""A generated photo set with known near-duplicates and hard negatives, for ``reframe duplicates``.

Each base scene is rendered once as the "original" JPEG; some of its copies are made the way copies happen —
resized, recompressed, format-changed, lightly cropped, brightened, a burst neighbour (shifted a few pixels and
turned a degree), or a byte-for-byte copy — and belong to its group. Each base also gets a hard negative: the same
render setup with one attribute of the scene changed (colour, shape, size, background or position), which is a
different photo and must stay out of the group.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageEnhance

from desktop.shapes.render import Style, render
from desktop.shapes.world import hard_negative, random_scene

COPY_KINDS = ("resized", "recompressed", "webp", "cropped", "brightened", "burst", "bytes")


@dataclass(frozen=True)
class Generated:
    path: Path
    group: int  # photos with the same group are the same picture
    how: str  # "original", one of COPY_KINDS, or "negative"


def _copy(img: Image.Image, how: str, rng: random.Random) -> tuple[Image.Image, str, dict]:
    w, h = img.size
    if how == "resized":
        f = rng.choice((0.5, 0.6, 0.75))
        return img.resize((round(w * f), round(h * f)), Image.Resampling.LANCZOS), "PNG", {}
    if how == "recompressed":
        return img, "JPEG", {"quality": rng.choice((30, 40, 50))}
    if how == "webp":
        return img, "WEBP", {"quality": 80}
    if how == "cropped":
        m = round(min(w, h) * rng.uniform(0.02, 0.05))
        return img.crop((m, m, w - m, h - m)), "JPEG", {"quality": 90}
    if how == "brightened":
        return ImageEnhance.Brightness(img).enhance(rng.uniform(1.1, 1.25)), "JPEG", {"quality": 90}
    if how == "burst":
        corner = img.getpixel((1, 1))
        dx, dy = rng.randint(-3, 3), rng.randint(-3, 3)
        moved = img.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC, translate=(dx, dy),
                           fillcolor=corner)  # fmt: skip
        return moved, "JPEG", {"quality": 88}
    raise ValueError(how)


def make_duplicate_set(root: Path, bases: int, seed: int, copies: int = 2) -> list[Generated]:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    out: list[Generated] = []
    for b in range(bases):
        scene = random_scene(rng)
        style = Style(canvas=rng.choice((160, 192, 224)))
        render_seed = seed * 100_000 + b
        original = render(scene, random.Random(render_seed), style)
        folder = root / f"roll{b % 7}"
        folder.mkdir(exist_ok=True)
        first = folder / f"b{b:04d}.jpg"
        original.save(first, "JPEG", quality=92)
        out.append(Generated(first, b, "original"))
        for c, how in enumerate(rng.sample(COPY_KINDS, copies)):
            other = root / f"copies{(b + c) % 5}"
            other.mkdir(exist_ok=True)
            if how == "bytes":
                path = other / f"b{b:04d}-copy.jpg"
                shutil.copyfile(first, path)
            else:
                img, fmt, opts = _copy(original, how, rng)
                ext = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[fmt]
                path = other / f"b{b:04d}-{how}{ext}"
                img.save(path, fmt, **opts)
            out.append(Generated(path, b, how))
        negative = render(hard_negative(scene, rng), random.Random(render_seed), style)
        path = folder / f"n{b:04d}.jpg"
        negative.save(path, "JPEG", quality=92)
        out.append(Generated(path, bases + b, "negative"))
    return out
