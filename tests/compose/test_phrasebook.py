from __future__ import annotations

import random
import re
from collections import Counter, defaultdict

import pytest

from desktop.compose.phrasebook import EDIT_KINDS, CaptionTriplet, photo_triplets, vocab
from desktop.compose.phrasebook.edits import EDITS, possible_edits
from desktop.compose.phrasebook.scene import random_photo
from desktop.compose.phrasebook.shapes import shapes_triplets
from desktop.shapes.composed import make_triplets
from desktop.shapes.world import caption


@pytest.fixture(scope="module")
def many() -> list[CaptionTriplet]:
    return photo_triplets(5500, seed=0)


def test_same_seed_same_triplets_other_seed_others() -> None:
    a, b = photo_triplets(300, seed=3), photo_triplets(300, seed=3)
    assert a == b
    assert len(a) == 1200
    assert photo_triplets(300, seed=4) != a


def test_tens_of_thousands_of_distinct_triplets(many: list[CaptionTriplet]) -> None:
    distinct = {(t.reference, t.modification, t.target) for t in many}
    assert len(distinct) >= 20_000
    assert len({t.modification for t in many}) >= 5_000


def test_every_edit_category_is_well_represented(many: list[CaptionTriplet]) -> None:
    counts = Counter(t.kind for t in many)
    assert set(counts) == set(EDIT_KINDS)
    assert min(counts.values()) >= 300, counts
    assert {"object", "count", "colour", "size", "person", "clothing", "animal", "weather", "time", "season",
            "place", "viewpoint", "style", "add", "remove"} <= set(EDIT_KINDS)  # fmt: skip


def _skeleton(text: str, words: set[str]) -> str:
    """The phrasing with the vocabulary masked: "make the car red" -> "make the _ _"."""
    return " ".join("_" if w in words else w for w in text.split())


def test_each_edit_is_asked_for_in_many_ways(many: list[CaptionTriplet]) -> None:
    words = {w for t in many for w in (t.reference + " " + t.target).split()}
    words -= {"the", "a", "an", "of", "in", "on", "and", "with", "it", "to", "at", "by", "photo"}
    skeletons: dict[str, set[str]] = defaultdict(set)
    for t in many:
        skeletons[t.kind].add(_skeleton(t.modification, words))
    for kind in EDIT_KINDS:
        assert len(skeletons[kind]) >= 4, (kind, sorted(skeletons[kind]))


def test_captions_read_well(many: list[CaptionTriplet]) -> None:
    vowel_after_a = re.compile(r"\ba [aeio]")
    consonant_after_an = re.compile(r"\ban [^aeiou\s]")
    for t in many[:8000]:
        assert t.reference != t.target
        for text in (t.reference, t.modification, t.target):
            assert text == text.strip() and "  " not in text and "None" not in text, text
            assert not vowel_after_a.search(text) and not consonant_after_an.search(text), text
            assert not re.search(r"\b(\w+) \1\b", text), text
        assert len(t.target.split()) <= 45  # well inside CLIP's 77 tokens


def test_edits_do_what_they_say() -> None:
    rng = random.Random(5)
    seen: set[str] = set()
    for _ in range(400):
        photo = random_photo(rng)
        for kind in possible_edits(photo):
            edit = EDITS[kind](photo, rng)
            assert edit is not None and edit.kind == kind
            seen.add(kind)
            before, after = photo.caption(), edit.target.caption()
            assert before != after
            if kind == "add":
                assert edit.target.extra is not None and len(after) > len(before)
            elif kind == "remove":
                assert edit.target.extra is None and len(after) < len(before)
            elif kind == "season":
                assert f"in {edit.target.season}" in after
            elif kind == "style" and edit.target.style is not None:
                adjective, medium = vocab.STYLES[edit.target.style][0]
                assert adjective in after and medium in after
    assert seen == set(EDIT_KINDS)


def test_groups_hold_two_edits_of_one_kind() -> None:
    triplets = photo_triplets(50, seed=1, per_ref=4)
    for i in range(0, len(triplets), 4):
        group = triplets[i : i + 4]
        assert len({t.reference for t in group}) == 1
        assert group[0].kind == group[1].kind
        assert len({(t.modification, t.target) for t in group}) == 4


def test_shapes_caption_triplets_follow_the_image_triplets() -> None:
    plain = shapes_triplets(30, seed=9, shuffle=False)
    tr = make_triplets(30, seed=9)
    assert [t.reference for t in plain] == [caption(r) for r in tr.refs]
    assert [t.target for t in plain] == [caption(e.target) for e in tr.edits]
    assert [t.modification for t in plain] == tr.texts
    assert [t.kind for t in plain] == [e.kind for e in tr.edits]
    shuffled = shapes_triplets(30, seed=9)
    assert shuffled == shapes_triplets(30, seed=9)
    for a, b in zip(plain, shuffled, strict=True):  # the same objects, maybe in another order
        assert sorted(a.target.split()) == sorted(b.target.split())


def test_requests_come_in_other_sentence_shapes_and_with_typos(many: list[CaptionTriplet]) -> None:
    """Questions, "please", "same photo but ...", and the odd typo, as well as bare requests."""
    mods = [t.modification for t in many]
    assert sum(m.startswith(("can you ", "could you ")) and m.endswith("?") for m in mods) >= 200
    assert sum(m.startswith("same photo but ") for m in mods) >= 200
    assert sum(m.startswith("please ") or m.endswith(" please") for m in mods) >= 200
    starts = ("can you ", "could you ", "please ", "i'd like you to ", "same photo but ", "same scene, ", "now ")
    ends = ("?", " please", ", everything else the same", " for me")
    wrapped = sum(m.startswith(starts) or m.endswith(ends) for m in mods)
    assert 0.3 * len(mods) < wrapped < 0.6 * len(mods)  # most requests stay bare
    words = {w for t in many for w in (t.reference + " " + t.target).split()}
    known = words | {w for m in mods[::7] for w in m.split()}
    typos = [m for m in mods if any(w.isalpha() and len(w) >= 4 and w not in known for w in m.split())]
    assert len(typos) >= len(mods) // 100
