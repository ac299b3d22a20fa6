"""Rendered training data for shapes-tiny and its Combiner, as compact arrays.

Scenes are also kept as small integer codes so that "does this image satisfy this query" can be decided
for a whole batch at once with numpy (the contrastive loss needs it: a short query such as "a red circle"
is true of many images in a batch, and treating those as negatives would teach the model wrong things).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from desktop.models.transform import Preprocess
from desktop.shapes.render import random_style, render
from desktop.shapes.world import BACKGROUNDS, COLOURS, POSITIONS, SHAPES, SIZES, Query, Scene, random_scene

_FIELDS = (("shape", SHAPES), ("colour", tuple(COLOURS)), ("size", tuple(SIZES)), ("position", tuple(POSITIONS)))
_BG = tuple(BACKGROUNDS)


def scene_code(scene: Scene) -> np.ndarray:
    """[background, count, shape1, colour1, size1, position1, shape2, colour2, size2, position2] (-1 = none)."""
    code = [-1] * 10
    code[0] = _BG.index(scene.background)
    code[1] = len(scene.objects)
    for i, o in enumerate(sorted(scene.objects)):
        for j, (field, values) in enumerate(_FIELDS):
            code[2 + 4 * i + j] = values.index(getattr(o, field))
    return np.asarray(code, dtype=np.int16)


def query_code(q: Query) -> np.ndarray:
    """[full?, background, count, shape, colour, size, position] (-1 = not asked)."""
    if q.scene is not None:
        return np.concatenate([[1], scene_code(q.scene)[:2], [-1, -1, -1, -1]]).astype(np.int16)
    code = [0, _BG.index(q.background) if q.background else -1, q.count if q.count else -1]
    for field, values in _FIELDS:
        v = getattr(q, field)
        code.append(values.index(v) if v is not None else -1)
    return np.asarray(code, dtype=np.int16)


def satisfied(queries: Sequence[Query], scene_codes: np.ndarray) -> np.ndarray:
    """Boolean matrix (len(queries), len(scenes)): does scene j satisfy query i."""
    n = len(scene_codes)
    out = np.zeros((len(queries), n), dtype=bool)
    objs = scene_codes[:, 2:].reshape(n, 2, 4)
    for i, q in enumerate(queries):
        if q.scene is not None:
            out[i] = (scene_codes == scene_code(q.scene)).all(axis=1)
            continue
        c = query_code(q)
        ok = np.ones(n, dtype=bool)
        if c[1] >= 0:
            ok &= scene_codes[:, 0] == c[1]
        if c[2] >= 0:
            ok &= scene_codes[:, 1] == c[2]
        want = c[3:]
        if (want >= 0).any():
            mask = want >= 0
            obj_ok = ((objs == want) | ~mask).all(axis=2) & (objs[:, :, 0] >= 0)
            ok &= obj_ok.any(axis=1)
        out[i] = ok
    return out


@dataclass
class RenderedSet:
    scenes: list[Scene]
    codes: np.ndarray  # (n, 10) int16
    pixels: np.ndarray  # (n, size, size, 3) uint8, after the model's preprocess geometry


def _render_chunk(args: tuple[int, int, int, list[Scene] | None]) -> tuple[list[Scene], np.ndarray]:
    seed, count, size, given = args
    rng = random.Random(seed)
    pre = Preprocess(size)
    scenes = given if given is not None else [random_scene(rng) for _ in range(count)]
    pixels = np.empty((len(scenes), size, size, 3), dtype=np.uint8)
    for i, s in enumerate(scenes):
        pixels[i] = np.asarray(pre.geometry(render(s, rng, random_style(rng))))
    return scenes, pixels


def render_set(
    seed: int, count: int, size: int, *, scenes: list[Scene] | None = None, workers: int = 2, chunk: int = 2000
) -> RenderedSet:
    """Render ``count`` random scenes (or the given ``scenes``) with random styles; deterministic in ``seed``."""
    if scenes is not None:
        count = len(scenes)
    jobs = []
    for k, start in enumerate(range(0, count, chunk)):
        n = min(chunk, count - start)
        jobs.append((seed * 1_000_003 + k, n, size, scenes[start : start + n] if scenes is not None else None))
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_render_chunk, jobs))
    else:
        parts = [_render_chunk(j) for j in jobs]
    all_scenes = [s for part in parts for s in part[0]]
    pixels = np.concatenate([p[1] for p in parts]) if parts else np.empty((0, size, size, 3), np.uint8)
    codes = np.stack([scene_code(s) for s in all_scenes]) if all_scenes else np.empty((0, 10), np.int16)
    return RenderedSet(all_scenes, codes, pixels)
