"""The shapes phrasebooks: wide, seeded, and a held-out split that training can never write."""

from __future__ import annotations

import random

import pytest

from desktop.shapes import phrasings
from desktop.shapes.composed import build_benchmark, held_out_texts, make_triplets
from desktop.shapes.phrasings import FRESH, HELD_OUT, TRAIN, WORLD, Phrasebook, edit_slots, rephrase, typo, world_texts
from desktop.shapes.world import EDIT_KINDS, apply_edit, possible_edits, random_scene


def _edits(n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(n):
        ref = random_scene(rng)
        yield ref, apply_edit(ref, rng.choice(possible_edits(ref)), rng)


@pytest.mark.parametrize("book", [WORLD, TRAIN, HELD_OUT, FRESH], ids=lambda b: b.name)
def test_every_template_uses_only_its_edit_slots(book) -> None:
    assert phrasings.check(book) == {}
    assert set(book.templates) == set(EDIT_KINDS)


def test_world_phrasebook_writes_what_the_world_writes() -> None:
    """shapes-world.md's phrasings, as desktop.shapes.world writes them, are exactly WORLD's."""
    for ref, edit in _edits(400, seed=1):
        assert edit.text in world_texts(edit_slots(ref, edit))


@pytest.mark.parametrize("book", [HELD_OUT, FRESH], ids=lambda b: b.name)
def test_no_held_out_phrasing_can_be_written_by_the_training_phrasebook(book) -> None:
    for kind in EDIT_KINDS:
        train = set(TRAIN.all_texts(kind)) | set(WORLD.all_texts(kind))
        held = set(book.all_texts(kind))
        assert held, kind
        assert not (held & train), f"{kind}: {sorted(held & train)[:5]}"
        assert not set(book.templates[kind]) & set(TRAIN.templates[kind])


def test_the_two_held_out_phrasebooks_share_no_sentence() -> None:
    for kind in EDIT_KINDS:
        assert not set(HELD_OUT.all_texts(kind)) & set(FRESH.all_texts(kind)), kind


def test_training_phrasebook_is_wide() -> None:
    """Many sentence shapes per edit, synonyms of the attribute words, questions, "instead" and "same but"."""
    for kind in EDIT_KINDS:
        templates = TRAIN.templates[kind]
        assert len(templates) >= 3 * len(WORLD.templates[kind]) and len(templates) >= 12, kind
        assert any("?" in t for t in templates), kind
        assert any(t.startswith("same") for t in templates), kind
        assert set(WORLD.templates[kind]) <= set(templates), kind
    assert any("instead" in t for kind in EDIT_KINDS for t in TRAIN.templates[kind])
    texts = {rephrase(ref, e, TRAIN, random.Random(i)).text for i, (ref, e) in enumerate(_edits(600, seed=2))}
    for word in ("disc", "box", "violet", "grey", "huge", "tiny", "larger", "paint", "delete", "swap"):
        assert any(word in t.split() for t in texts), word


def test_rephrasing_keeps_the_edit() -> None:
    for ref, edit in _edits(200, seed=3):
        again = rephrase(ref, edit, HELD_OUT, random.Random(0))
        assert again.kind == edit.kind and again.target == edit.target
        assert edit_slots(ref, again) == edit_slots(ref, edit)


def test_typos_are_light() -> None:
    rng = random.Random(5)
    for _ in range(200):
        text = "change the colour of the circle to purple"
        changed = typo(text, rng)
        assert changed != text
        a, b = text.split(), changed.split()
        assert len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def test_phrasings_are_seeded() -> None:
    a = make_triplets(50, seed=7, phrasebook=TRAIN).texts
    assert a == make_triplets(50, seed=7, phrasebook=TRAIN).texts
    assert a != make_triplets(50, seed=8, phrasebook=TRAIN).texts
    bench = build_benchmark(30)
    assert held_out_texts(bench) == held_out_texts(build_benchmark(30))
    assert held_out_texts(bench, book=FRESH) == held_out_texts(build_benchmark(30), book=FRESH)
    assert held_out_texts(bench, book=FRESH) != held_out_texts(bench)


def test_wider_triplets_keep_references_and_targets() -> None:
    """The rewording draws from its own random state: same scenes as the world's triplets, other words."""
    world, wide = make_triplets(100, seed=9), make_triplets(100, seed=9, phrasebook=TRAIN)
    assert world.refs == wide.refs
    assert [e.target for e in world.edits] == [e.target for e in wide.edits]
    changed = sum(a != b for a, b in zip(world.texts, wide.texts, strict=True))
    assert 0.4 * len(world.texts) < changed < 0.8 * len(world.texts)


def test_self_contained_phrasings_name_what_they_edit() -> None:
    """ "keep only the square" needs the picture to say which shape goes: never given to the text tower alone,
    and not in the training phrasebook at all (it taught the Combiner to drop and to keep the shape it names)."""
    book = Phrasebook("t", {**TRAIN.templates, "remove": ("remove the {shape}", "keep only the {other}")}, {})
    rng = random.Random(4)
    for ref, edit in _edits(300, seed=6):
        slots = edit_slots(ref, edit)
        texts = {book.render(slots, rng, self_contained=True) for _ in range(5)}
        if edit.kind == "remove":
            assert all(t.startswith("remove the") for t in texts), texts
    assert not [t for t in TRAIN.templates["remove"] if "{shape}" not in t]


def test_shape_requests_that_leave_the_old_shape_to_the_picture_reach_the_combiner_only() -> None:
    """ "a star instead" is in the training phrasebook for the Combiner (which sees the picture); the text tower,
    taught only self-contained texts, never gets it: every text it is taught names the shape that changes."""
    assert "a {shape2} instead" in TRAIN.templates["shape"]
    book = Phrasebook("no typos", TRAIN.templates, TRAIN.words)
    rng = random.Random(5)
    for_combiner = set()
    for ref, edit in _edits(400, seed=8):
        if edit.kind != "shape":
            continue
        slots = edit_slots(ref, edit)
        old_words = TRAIN.words["shape"][slots.values["shape"]]
        for _ in range(5):
            text = book.render(slots, rng, self_contained=True)
            assert any(w in text for w in old_words), text
        for_combiner.add(book.render(slots, rng))
    assert any(t.endswith(f"{w} instead") for t in for_combiner for w in ("circle", "square", "triangle", "star"))


def test_training_groups_pair_edits_of_one_kind_as_hard_negatives() -> None:
    """A reference's first edit comes twice with other values (colour, shape, background, add), and a removal
    with the removal of the other object: a batch then holds the edit that only differs in what it changes."""
    tr = make_triplets(400, seed=11)
    groups = [(tr.refs[i], tr.edits[i : i + 4]) for i in range(0, len(tr.refs), 4)]
    removals = [(ref, g) for ref, g in groups if g[0].kind == "remove"]
    assert len(removals) > 20
    for ref, g in removals:
        assert g[1].kind == "remove"
        kept = {g[0].target.objects[0], g[1].target.objects[0]}
        assert kept == set(ref.objects)  # one group, both ways of removing an object
