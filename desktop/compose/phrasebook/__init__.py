"""Made-up but plausible (reference caption, modification, target caption) triplets.

A Combiner can be trained from text alone: the captions of a reference and a target photo, encoded by
the backbone's text encoder, stand in for the photos' image features (the idea behind LinCIR, Gu et al.
2024). This package writes those captions: :func:`photo_triplets` over everyday photos (objects and their
count, colour and size; people and clothing; animals; weather, time of day, season; place; viewpoint;
style; adding and removing things) for the real backbones, and :mod:`.shapes` over the shapes world for
``shapes-tiny``. Vocabulary and grammar are in :mod:`.vocab`, :mod:`.scene` and :mod:`.edits`.
"""

from desktop.compose.phrasebook.edits import EDIT_KINDS
from desktop.compose.phrasebook.generate import CaptionTriplet, photo_triplets

__all__ = ["EDIT_KINDS", "CaptionTriplet", "photo_triplets"]
