"""Caption triplets for the shapes world: the text-only twin of :func:`desktop.shapes.composed.make_triplets`.

Same references and edits (same seed, same groups of four), but the reference and the target are their
captions (:func:`desktop.shapes.world.caption`) instead of rendered pictures. With ``shuffle`` the objects
of each caption come in random order, as the model saw them in training: a picture has no order.
"""

from __future__ import annotations

import random

from desktop.compose.phrasebook.generate import CaptionTriplet
from desktop.shapes.composed import make_triplets
from desktop.shapes.world import caption


def shapes_triplets(n_refs: int, seed: int, per_ref: int = 4, *, shuffle: bool = True) -> list[CaptionTriplet]:
    tr = make_triplets(n_refs, seed, per_ref)
    rng = random.Random(seed) if shuffle else None
    return [
        CaptionTriplet(caption(ref, rng), edit.text, caption(edit.target, rng), edit.kind)
        for ref, edit in zip(tr.refs, tr.edits, strict=True)
    ]
