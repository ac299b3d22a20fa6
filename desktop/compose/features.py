"""Frozen features for composed retrieval: each distinct image and text is encoded once.

Training and evaluation sets repeat images (one reference serves several captions, a target is also a
reference elsewhere), so images are keyed (by path or name) and encoded once per key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

import numpy as np
from PIL import Image

from desktop.models.encoder import Encoder

K = TypeVar("K", bound=Hashable)

Progress = Callable[[int, int], None]


def encode_image_keys(
    encoder: Encoder,
    keys: Iterable[K],
    image_loader: Callable[[K], Image.Image],
    batch_size: int = 32,
    progress: Progress | None = None,
) -> tuple[list[K], np.ndarray]:
    """Distinct keys in first-seen order and their raw features (n, dim)."""
    unique = list(dict.fromkeys(keys))
    feats = np.empty((len(unique), encoder.dim), dtype=np.float32)
    for start in range(0, len(unique), batch_size):
        chunk = unique[start : start + batch_size]
        arrays = []
        for key in chunk:
            with image_loader(key) as img:
                arrays.append(encoder.preprocess(img))
        feats[start : start + len(chunk)] = encoder.encode_images(np.stack(arrays))
        if progress is not None:
            progress(start + len(chunk), len(unique))
    return unique, feats


def encode_text_list(encoder: Encoder, texts: Iterable[str], batch_size: int = 256) -> dict[str, np.ndarray]:
    """Raw features of each distinct text."""
    unique = list(dict.fromkeys(texts))
    out: dict[str, np.ndarray] = {}
    for start in range(0, len(unique), batch_size):
        chunk = unique[start : start + batch_size]
        feats = np.asarray(encoder.encode_texts(chunk), dtype=np.float32)
        out.update(zip(chunk, feats, strict=True))
    return out


def encode_triplets(
    encoder: Encoder,
    triplets: Sequence[tuple[K, str, K]],
    image_loader: Callable[[K], Image.Image],
    batch_size: int = 32,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reference key, modification text, target key) items -> reference, text and target features.

    Each distinct image key is loaded and encoded once; ``image_loader(key)`` returns a PIL image, which
    is closed once preprocessed (return a fresh image, not one you keep).
    ``progress(done, total)`` reports encoded images.
    """
    keys, img_feats = encode_image_keys(
        encoder, (k for ref, _, tgt in triplets for k in (ref, tgt)), image_loader, batch_size, progress
    )
    row = {k: i for i, k in enumerate(keys)}
    texts = encode_text_list(encoder, (t for _, t, _ in triplets))
    dim = encoder.dim
    ref = img_feats[[row[r] for r, _, _ in triplets]] if triplets else np.empty((0, dim), np.float32)
    tgt = img_feats[[row[t] for _, _, t in triplets]] if triplets else np.empty((0, dim), np.float32)
    mod = np.stack([texts[t] for _, t, _ in triplets]) if triplets else np.empty((0, dim), np.float32)
    return ref, mod, tgt
