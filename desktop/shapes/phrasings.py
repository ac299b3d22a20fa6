"""How people ask for an edit of a shapes scene, beyond the world's own phrasings (four phrasebooks).

- :data:`WORLD`: the phrasings of shapes-world.md (what :func:`desktop.shapes.world.apply_edit` writes).
- :data:`TRAIN`: a wider phrasebook for training the text tower and the Combiner: other verbs, synonyms of
  the attribute words, other sentence shapes ("X instead of Y", "same but ...", questions, descriptions),
  and light typos (:func:`desktop.compose.phrasebook.reword.typo`).
- :data:`HELD_OUT`: phrasings written once and kept out of every training set, to measure how the model
  copes with a phrasing it has never seen. No held-out template can be written by the training phrasebook
  (``tests/shapes/test_phrasings.py`` checks every rendering of both).
- :data:`FRESH`: a second held-out split, written later and never tuned to (see its comment).

A template is a :meth:`str.format` string over the slots of :class:`EditSlots`; the attribute words are
drawn from the phrasebook's synonym tables. Given a seeded ``random.Random`` everything is deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

from desktop.compose.phrasebook.reword import typo
from desktop.shapes.world import EDIT_KINDS, Edit, Scene

#: Slots a template may use, per edit kind (``old`` is the object edited or removed, ``new`` the object
#: it becomes or the one added, ``other`` the object that stays).
SLOTS: dict[str, tuple[str, ...]] = {
    "colour": ("shape", "colour", "old_colour"),
    "shape": ("shape", "shape2"),
    "size": ("shape", "size", "rel"),
    "background": ("bg", "old_bg"),
    "add": ("shape2", "colour", "size", "shape"),
    "remove": ("shape", "other"),
}


#: The slot that names what an edit changes: a template without it leaves that to the picture.
SUBJECT: dict[str, str] = {
    "colour": "shape",
    "shape": "shape",
    "size": "shape",
    "background": "bg",
    "add": "shape2",
    "remove": "shape",
}


@dataclass(frozen=True)
class EditSlots:
    """What an edit does, in world values: enough to write it down in any phrasebook."""

    kind: str
    values: Mapping[str, str]  # slot -> world value ("size" is small/large; "rel" is bigger/smaller)


@dataclass(frozen=True)
class Phrasebook:
    name: str
    templates: Mapping[str, tuple[str, ...]]  # edit kind -> templates
    words: Mapping[str, Mapping[str, tuple[str, ...]]]  # word class -> world value -> ways to say it
    typo_rate: float = 0.0  # share of texts with one light typo

    def render(self, slots: EditSlots, rng: random.Random, *, self_contained: bool = False) -> str:
        """One way to ask for the edit. ``self_contained``: only templates that name what is edited, so
        the text alone says what the world's phrasings say ("keep only the square" needs the picture to
        tell which shape goes; the text tower, which never sees it, is not taught from such texts)."""
        templates = self.templates[slots.kind]
        if self_contained:
            templates = tuple(t for t in templates if "{" + SUBJECT[slots.kind] + "}" in t)
        template = rng.choice(templates)
        text = template.format(**{k: rng.choice(self._say(k, v)) for k, v in slots.values.items()})
        if self.typo_rate and rng.random() < self.typo_rate:
            text = typo(text, rng)
        return text

    def _say(self, slot: str, value: str) -> tuple[str, ...]:
        return self.words.get(_WORD_CLASS[slot], {}).get(value, (value,))

    def all_texts(self, kind: str) -> Iterator[str]:
        """Every text the phrasebook can write for one edit kind, typos aside (for the disjointness test)."""
        for template in self.templates[kind]:
            used = [s for s in SLOTS[kind] if "{" + s + "}" in template]
            choices = [sorted({w for v in _VALUES[_WORD_CLASS[s]] for w in self._say(s, v)}) for s in used]
            for combo in product(*choices):
                yield template.format(**dict(zip(used, combo, strict=True)))


_WORD_CLASS = {
    "shape": "shape",
    "shape2": "shape",
    "other": "shape",
    "colour": "colour",
    "old_colour": "colour",
    "size": "size",
    "rel": "rel",
    "bg": "background",
    "old_bg": "background",
}
_VALUES: dict[str, tuple[str, ...]] = {
    "shape": ("circle", "square", "triangle", "star"),
    "colour": ("red", "green", "blue", "yellow", "purple", "orange"),
    "size": ("small", "large"),
    "rel": ("bigger", "smaller"),
    "background": ("white", "black", "gray", "beige"),
}


def edit_slots(ref: Scene, edit: Edit) -> EditSlots:
    """The world values of ``edit`` applied to ``ref``."""
    kind, tgt = edit.kind, edit.target
    if kind == "background":
        return EditSlots(kind, {"bg": tgt.background, "old_bg": ref.background})
    if kind == "add":
        new = next(o for o in tgt.objects if o not in ref.objects)
        return EditSlots(
            kind, {"shape2": new.shape, "colour": new.colour, "size": new.size, "shape": ref.objects[0].shape}
        )
    if kind == "remove":
        kept = tgt.objects[0]
        gone = next(o for o in ref.objects if o != kept)
        return EditSlots(kind, {"shape": gone.shape, "other": kept.shape})
    old = next(o for o in ref.objects if o not in tgt.objects)
    new = next(o for o in tgt.objects if o not in ref.objects)
    if kind == "colour":
        return EditSlots(kind, {"shape": old.shape, "colour": new.colour, "old_colour": old.colour})
    if kind == "shape":
        return EditSlots(kind, {"shape": old.shape, "shape2": new.shape})
    if kind == "size":
        return EditSlots(kind, {"shape": old.shape, "size": new.size, "rel": _REL[new.size]})
    raise ValueError(f"unknown edit kind {kind!r}")


_REL = {"large": "bigger", "small": "smaller"}


def rephrase(ref: Scene, edit: Edit, book: Phrasebook, rng: random.Random) -> Edit:
    """The same edit (same target) asked for in ``book``'s words."""
    return Edit(edit.kind, book.render(edit_slots(ref, edit), rng), edit.target)


def world_texts(slots: EditSlots) -> list[str]:
    """Every world phrasing of one edit (shapes-world.md's table), in a fixed order."""
    return sorted({t.format(**slots.values) for t in WORLD.templates[slots.kind]})


# ---------------------------------------------------------------------------------------- phrasebooks

_PLAIN: dict[str, dict[str, tuple[str, ...]]] = {}

__all__ = [
    "FRESH",
    "HELD_OUT",
    "HELD_OUT_BOOKS",
    "TRAIN",
    "WORLD",
    "EditSlots",
    "Phrasebook",
    "edit_slots",
    "rephrase",
    "typo",
    "world_texts",
]

WORLD = Phrasebook(
    "world",
    templates={
        "colour": (
            "make the {shape} {colour}",
            "change the colour of the {shape} to {colour}",
            "the {shape} should be {colour}",
        ),
        "shape": ("turn the {shape} into a {shape2}", "replace the {shape} with a {shape2}"),
        "size": ("make the {shape} {size}", "make the {shape} {rel}"),
        "background": ("change the background to {bg}", "put it on a {bg} background"),
        "add": ("add a {size} {colour} {shape2}",),
        "remove": ("remove the {shape}", "take away the {shape}"),
    },
    words=_PLAIN,
)

#: Synonyms of the attribute words, shared by the training and the held-out phrasebooks (a word the
#: text tower never saw in training cannot mean anything to it; what is held out is how the words are
#: put together). The world's own word comes first and twice, so it stays the most common.
_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "shape": {
        "circle": ("circle", "circle", "disc", "round shape", "dot"),
        "square": ("square", "square", "box", "block"),
        "triangle": ("triangle", "triangle", "triangle shape"),
        "star": ("star", "star", "star shape"),
    },
    "colour": {
        "red": ("red", "red", "bright red"),
        "green": ("green", "green"),
        "blue": ("blue", "blue"),
        "yellow": ("yellow", "yellow"),
        "purple": ("purple", "purple", "violet"),
        "orange": ("orange", "orange"),
    },
    "size": {
        "small": ("small", "small", "little", "tiny"),
        "large": ("large", "large", "big", "huge"),
    },
    "rel": {
        "bigger": ("bigger", "bigger", "larger"),
        "smaller": ("smaller", "smaller", "tinier"),
    },
    "background": {
        "white": ("white", "white"),
        "black": ("black", "black", "dark black"),
        "gray": ("gray", "gray", "grey"),
        "beige": ("beige", "beige", "sand"),
    },
}

TRAIN = Phrasebook(
    "train",
    templates={
        "colour": (
            "make the {shape} {colour}",
            "change the colour of the {shape} to {colour}",
            "the {shape} should be {colour}",
            "turn the {shape} {colour}",
            "paint the {shape} {colour}",
            "recolour the {shape} {colour}",
            "recolor the {shape} to {colour}",
            "change the color of the {shape} to {colour}",
            "colour the {shape} {colour}",
            "{colour} {shape} instead",
            "a {colour} {shape} instead of the {old_colour} one",
            "{colour} instead of {old_colour}",
            "same but the {shape} is {colour}",
            "same picture with a {colour} {shape}",
            "can you make the {shape} {colour}?",
            "could the {shape} be {colour}?",
            "{shape} in {colour}",
            "give the {shape} a {colour} colour",
            "switch the {shape} to {colour}",
            "please make the {shape} {colour}",
            "the {shape} but {colour}",
            "make it a {colour} {shape}",
            "i want to see the {shape} in {colour}",
            "how about making the {shape} {colour}",
            "edit it so that the {shape} is {colour}",
            "now make the {shape} {colour}",
            "the same scene with the {shape} in {colour}",
            "let the {shape} become {colour}",
        ),
        "shape": (
            "turn the {shape} into a {shape2}",
            "replace the {shape} with a {shape2}",
            "a {shape2} instead of the {shape}",
            "{shape2} instead of {shape}",
            "swap the {shape} for a {shape2}",
            "change the {shape} to a {shape2}",
            "change the {shape} into a {shape2}",
            "make the {shape} a {shape2}",
            "same but with a {shape2} where the {shape} is",
            "can you turn the {shape} into a {shape2}?",
            "the {shape} should be a {shape2}",
            "make it a {shape2} instead of a {shape}",
            "please replace the {shape} by a {shape2}",
            "exchange the {shape} for a {shape2}",
            "show a {shape2} in place of the {shape}",
            "i want to see a {shape2} where the {shape} is",
            "how about swapping the {shape} for a {shape2}",
            "edit it so that a {shape2} replaces the {shape}",
            "let the {shape} become a {shape2}",
            "the same scene with a {shape2} and not a {shape}",
            "now make the {shape} a {shape2}",
            # the picture tells which shape goes (the Combiner learns these; the text tower does not)
            "a {shape2} instead",
            "make it a {shape2} instead",
            "swap it for a {shape2}",
            "put a {shape2} there instead",
        ),
        "size": (
            "make the {shape} {size}",
            "make the {shape} {rel}",
            "the {shape} should be {size}",
            "the {shape} should be {rel}",
            "a {rel} {shape}",
            "a {size} {shape} instead",
            "change the size of the {shape} to {size}",
            "same but the {shape} is {rel}",
            "can you make the {shape} {rel}?",
            "resize the {shape} to {size}",
            "{size} {shape} please",
            "make it a {size} {shape}",
            "please make the {shape} {size}",
            "scale the {shape} to {size}",
            "the {shape} but {rel}",
            "i want to see the {shape} {rel}",
            "how about making the {shape} {rel}",
            "edit it so that the {shape} is {size}",
            "let the {shape} become {rel}",
            "the same scene with a {size} {shape}",
            "now make the {shape} {size}",
        ),
        "background": (
            "change the background to {bg}",
            "put it on a {bg} background",
            "make the background {bg}",
            "a {bg} background instead",
            "{bg} background instead of {old_bg}",
            "on {bg} instead",
            "same but on a {bg} background",
            "can you put it on {bg}?",
            "set the background to {bg}",
            "switch the background to {bg}",
            "change the backdrop to {bg}",
            "the background should be {bg}",
            "paint the background {bg}",
            "place it on a {bg} backdrop",
            "use a {bg} background",
            "i want to see it on {bg}",
            "how about putting it on {bg}",
            "edit it so that the backdrop is {bg}",
            "let the background become {bg}",
            "the same scene on a {bg} background",
            "now put it on {bg}",
        ),
        "add": (
            "add a {size} {colour} {shape2}",
            "put a {size} {colour} {shape2} in",
            "include a {size} {colour} {shape2}",
            "add a {colour} {shape2} that is {size}",
            "also a {size} {colour} {shape2}",
            "same but with a {size} {colour} {shape2} too",
            "can you add a {size} {colour} {shape2}?",
            "there should also be a {size} {colour} {shape2}",
            "add a {size} {colour} {shape2} next to the {shape}",
            "place a {size} {colour} {shape2} beside the {shape}",
            "insert a {size} {colour} {shape2}",
            "plus a {size} {colour} {shape2}",
            "please add a {size} {colour} {shape2}",
            "with a {size} {colour} {shape2} as well",
            "i want to see a {size} {colour} {shape2} as well",
            "how about putting in a {size} {colour} {shape2}",
            "try adding a {size} {colour} {shape2}",
            "let a {size} {colour} {shape2} join the {shape}",
            "the same scene with a {size} {colour} {shape2} added",
            "now add a {size} {colour} {shape2}",
        ),
        "remove": (
            "remove the {shape}",
            "take away the {shape}",
            "delete the {shape}",
            "take out the {shape}",
            "get rid of the {shape}",
            "without the {shape}",
            "no {shape}",
            "erase the {shape}",
            "same but without the {shape}",
            "can you remove the {shape}?",
            "drop the {shape}",
            "please remove the {shape}",
            "i want to see it without the {shape}",
            "how about taking away the {shape}",
            "edit it so that the {shape} is not there",
            "make the {shape} disappear",
            "let the {shape} vanish",
            "the {shape} should be gone",
            "the same scene minus the {shape}",
            "now remove the {shape}",
        ),
    },
    words=_WORDS,
    typo_rate=0.1,
)

HELD_OUT = Phrasebook(
    "held-out",
    templates={
        "colour": (
            "i want the {shape} {colour}",
            "{shape} should turn {colour}",
            "now the {shape} is {colour}",
            "how about a {colour} {shape}?",
            "change it so the {shape} is {colour}",
            "same scene, {colour} {shape}",
        ),
        "shape": (
            "i want a {shape2} not a {shape}",
            "how about a {shape2} instead?",
            "the {shape} becomes a {shape2}",
            "change it so there is a {shape2} instead of the {shape}",
            "same scene, {shape2} in place of {shape}",
        ),
        "size": (
            "i want the {shape} {size}",
            "how about a {rel} {shape}?",
            "the {shape} becomes {rel}",
            "change it so the {shape} is {size}",
            "same scene, {size} {shape}",
        ),
        "background": (
            "i want a {bg} background",
            "how about a {bg} background?",
            "the background becomes {bg}",
            "change it so the background is {bg}",
            "same scene, {bg} background",
        ),
        "add": (
            "i want a {size} {colour} {shape2} too",
            "how about adding a {size} {colour} {shape2}?",
            "a {size} {colour} {shape2} joins the {shape}",
            "change it so there is also a {size} {colour} {shape2}",
            "same scene, plus a {size} {colour} {shape2}",
        ),
        "remove": (
            "i want only the {other}",
            "how about without the {shape}?",
            "the {shape} disappears",
            "change it so the {shape} is gone",
            "same scene, no {shape}",
        ),
    },
    words=_WORDS,
    typo_rate=0.1,
)

#: A second held-out split, written on 2026-12-01 after the first had guided the training phrasebook's
#: vocabulary for a session, and before that day's training runs; no training change was made for it, so
#: the gap between the two splits tells how much of the first one's score came from tuning to it. Kept out
#: of every training set as HELD_OUT is (same checks, and its tokens are kept out of the random-token pool);
#: some of its words occur in no training text at all, as a user's might.
FRESH = Phrasebook(
    "fresh",
    templates={
        "colour": (
            "what if the {shape} were {colour}?",
            "the {shape} needs to be {colour}",
            "give me the {shape} in {colour} this time",
            "{colour} for the {shape}, please",
            "could it have a {colour} {shape}",
        ),
        "shape": (
            "what if the {shape} were a {shape2}?",
            "the {shape} needs to be a {shape2}",
            "give me a {shape2} rather than a {shape}",
            "use a {shape2} where the {shape} was",
            "swap in a {shape2}",
        ),
        "size": (
            "what if the {shape} were {size}?",
            "the {shape} needs to be {rel}",
            "give me a {size} {shape} this time",
            "{shape}, but {rel}",
            "could the {shape} be a bit {rel}",
        ),
        "background": (
            "what if the background were {bg}?",
            "the backdrop needs to be {bg}",
            "give me a {bg} backdrop",
            "{bg} behind it, please",
            "move it onto {bg}",
        ),
        "add": (
            "what if there were also a {size} {colour} {shape2}?",
            "the picture needs a {size} {colour} {shape2}",
            "give me a {size} {colour} {shape2} next to it",
            "and a {size} {colour} {shape2}, please",
            "could it have a {size} {colour} {shape2} in it",
        ),
        "remove": (
            "what if the {shape} were gone?",
            "the {shape} needs to go",
            "give me just the {other}",
            "lose the {shape}",
            "leave out the {shape}, please",
        ),
    },
    words=_WORDS,
    typo_rate=0.1,
)

HELD_OUT_BOOKS: tuple[Phrasebook, ...] = (HELD_OUT, FRESH)
PHRASEBOOKS: dict[str, Phrasebook] = {b.name: b for b in (WORLD, TRAIN, HELD_OUT, FRESH)}


def check(book: Phrasebook) -> dict[str, Any]:
    """Each kind has templates, and each template only uses the slots of its kind."""
    problems = {}
    for kind in EDIT_KINDS:
        for t in book.templates.get(kind, ()):
            try:
                t.format(**{s: s for s in SLOTS[kind]})
            except (KeyError, IndexError) as e:
                problems[t] = str(e)
    return problems
