"""A small composed-retrieval problem with a known answer, for training tests.

Objects have a colour and a shape; an image's features are the sum of a colour and a shape embedding
plus noise, scaled like raw CLIP features. The modification text "make it <colour>" has a fixed feature
per target colour that is only partly aligned with that colour's image embedding, so adding it to the
reference (the sum baseline) cannot remove the old colour, while a trained Combiner can learn to.
Training and held-out triplets use disjoint shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    ref: np.ndarray  # (n, d) raw reference-image features
    mod: np.ndarray  # (n, d) raw modification-text features
    tgt: np.ndarray  # (n, d) raw target-image features
    gallery: np.ndarray  # (g, d) raw features of every image of the split's shapes
    ref_idx: np.ndarray  # (n,) row of the reference in the gallery
    tgt_idx: np.ndarray  # (n,) row of the target in the gallery


def attribute_world(
    seed: int = 0,
    *,
    n_colors: int = 8,
    n_shapes: int = 60,
    n_train_shapes: int = 40,
    dim: int = 64,
    noise: float = 0.3,
    text_alignment: float = 0.25,
) -> tuple[Split, Split]:
    rng = np.random.default_rng(seed)
    unit = 1.0 / np.sqrt(dim)
    colors = rng.normal(0, unit, (n_colors, dim))
    shapes = rng.normal(0, unit, (n_shapes, dim))
    texts = text_alignment * colors + rng.normal(0, unit, (n_colors, dim))
    images = colors[:, None, :] + shapes[None, :, :] + rng.normal(0, noise * unit, (n_colors, n_shapes, dim))
    images *= 10.0  # raw CLIP image features have norms around 10

    def split(shape_ids: range) -> Split:
        gallery = images[:, shape_ids, :].reshape(-1, dim)
        row = {(c, s): c * len(shape_ids) + j for c in range(n_colors) for j, s in enumerate(shape_ids)}
        ref_idx, tgt_idx, mods = [], [], []
        for s in shape_ids:
            for c1 in range(n_colors):
                for c2 in range(n_colors):
                    if c1 != c2:
                        ref_idx.append(row[c1, s])
                        tgt_idx.append(row[c2, s])
                        mods.append(8.0 * (texts[c2] + rng.normal(0, 0.2 * unit, dim)))
        r, t = np.asarray(ref_idx), np.asarray(tgt_idx)
        f32 = np.float32
        return Split(gallery[r].astype(f32), np.asarray(mods, f32), gallery[t].astype(f32), gallery.astype(f32), r, t)

    return split(range(n_train_shapes)), split(range(n_train_shapes, n_shapes))
