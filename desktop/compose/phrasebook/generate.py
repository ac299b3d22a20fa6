"""(reference caption, modification, target caption) triplets over everyday photos, from a seed.

Triplets come in groups of ``per_ref`` edits of one reference photo: the first two of the same kind
(most likely with different values, e.g. "make the car red" and "make the car blue"), the rest of other
kinds, so that a training batch holds the hard negatives a user's library is full of. Each request is
then put in one of several sentence shapes, sometimes with a typo (:func:`.reword.reword`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from desktop.compose.phrasebook.edits import EDITS, possible_edits
from desktop.compose.phrasebook.reword import reword
from desktop.compose.phrasebook.scene import Photo, random_photo

#: Tries for a fresh edit of one kind before another kind is drawn.
_TRIES = 4


@dataclass(frozen=True)
class CaptionTriplet:
    reference: str  # caption of the reference photo
    modification: str  # what the user types
    target: str  # caption of the photo they want
    kind: str  # the kind of edit (see EDIT_KINDS)


def photo_triplets(n_refs: int, seed: int = 0, per_ref: int = 4) -> list[CaptionTriplet]:
    """``n_refs`` reference photos x ``per_ref`` edits each; the same seed gives the same list."""
    if n_refs < 0 or per_ref < 1:
        raise ValueError(f"need n_refs >= 0 and per_ref >= 1, got {n_refs} and {per_ref}")
    rng = random.Random(seed)
    out: list[CaptionTriplet] = []
    for _ in range(n_refs):
        out.extend(edit_group(random_photo(rng), rng, per_ref))
    return out


def edit_group(photo: Photo, rng: random.Random, per_ref: int) -> list[CaptionTriplet]:
    """``per_ref`` distinct edits of ``photo`` (every photo has several kinds that always apply)."""
    kinds = possible_edits(photo)
    reference = photo.caption()
    first = rng.choice(kinds)
    plan = [first, first]
    seen: set[tuple[str, str]] = set()
    group: list[CaptionTriplet] = []
    while len(group) < per_ref:
        kind = plan.pop(0) if plan else rng.choice(kinds)
        for _ in range(_TRIES):
            edit = EDITS[kind](photo, rng)
            if edit is None:
                break
            target = edit.target.caption()
            if target != reference and (edit.text, target) not in seen:
                seen.add((edit.text, target))
                group.append(CaptionTriplet(reference, reword(edit.text, rng), target, kind))
                break
    return group
