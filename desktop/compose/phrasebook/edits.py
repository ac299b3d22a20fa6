"""What people change in a photo, and the many ways they ask for it.

Each edit takes a :class:`Photo` and a seeded ``random.Random`` and returns the modification text and the
target photo, or None when the photo offers nothing to edit that way (no person to dress, no second
subject to remove). The wording is picked at random among several phrasings, so that one change is asked
for in many ways.

Most edits share one of two shapes, written once here, their differences being data:
:class:`SubjectSwap` (turn a subject into another of its kind: object, person, animal) and
:class:`SceneChange` (set a photo-wide attribute to another value: weather, time of day, season, place,
viewpoint, style); :data:`SUBJECT_SWAPS` and :data:`SCENE_CHANGES` list them with their vocabulary and
phrasings. Edits with logic of their own (count, colour, size, clothing, add, remove) are functions.
Phrasings are templates filled with :meth:`str.format`. Their order, and the order of the random draws,
is part of determinism: a seed must keep giving the same triplets.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from desktop.compose.phrasebook import vocab
from desktop.compose.phrasebook.scene import (
    ENTITY_KINDS,
    PRONOUNS,
    UNCOUNTED,
    Entity,
    Photo,
    accessory_plural,
    article,
    garment_plural,
    random_entity,
)


@dataclass(frozen=True)
class PhotoEdit:
    kind: str
    text: str
    target: Photo


Slot = str  # "main" | "extra"
EditFn = Callable[[Photo, random.Random], PhotoEdit | None]


# ------------------------------------------------------------------------------------------- helpers


def _slots(photo: Photo, kinds: tuple[str, ...]) -> list[tuple[Slot, Entity]]:
    found: list[tuple[Slot, Entity]] = [("main", photo.main)] if photo.main.kind in kinds else []
    if photo.extra is not None and photo.extra.kind in kinds:
        found.append(("extra", photo.extra))
    return found


def _pick(photo: Photo, kinds: tuple[str, ...], rng: random.Random) -> tuple[Slot, Entity] | None:
    found = _slots(photo, kinds)
    return rng.choice(found) if found else None


def _put(photo: Photo, slot: Slot, entity: Entity) -> Photo:
    return replace(photo, main=entity) if slot == "main" else replace(photo, extra=entity)


def _nouns(photo: Photo) -> set[str]:
    return {e.noun for e in photo.entities()}


def _a(noun_phrase: str, count: int = 1) -> str:
    """ "a red car" / "red cars": an indefinite phrase in the entity's number."""
    return f"{article(noun_phrase)} {noun_phrase}" if count == 1 else noun_phrase


def _named(noun: str, count: int) -> str:
    return Entity("object", noun, count=count).name()


def _subject_pronoun(e: Entity) -> str:
    return "they" if e.plural else PRONOUNS.get(e.noun, "they")


def _lone(photo: Photo) -> bool:
    return photo.extra is None


# ----------------------------------------------------------- subjects: swap for another of the kind


@dataclass(frozen=True)
class SubjectSwap:
    """Turn a subject into another of its kind ("replace the dog with a cat"), or, for people and animals,
    sometimes change what it is doing ("make the dog sleep"). Called like any edit function.

    Phrasings are templates over ``{the}`` (the subject as it is: "the dog", "the dogs") and ``{new}``
    (what it becomes, in the same number: "a cat", "cats").
    """

    kind: str  # the kind of subject it edits, and the edit's kind
    nouns: tuple[str, ...]  # what it can become, in vocabulary order
    phrasings: tuple[str, ...]
    lone: tuple[str, ...] = ()  # more phrasings when it is the photo's only subject
    actions: tuple[str, ...] = ()  # if any, 30% of the edits change the action instead

    def __call__(self, photo: Photo, rng: random.Random) -> PhotoEdit | None:
        picked = _pick(photo, (self.kind,), rng)
        if picked is None:
            return None
        slot, e = picked
        if self.actions and rng.random() < 0.3:
            return _action_edit(photo, slot, e, self.kind, self.actions, rng)
        noun = rng.choice([s for s in self.nouns if s not in _nouns(photo)])
        new = replace(e, noun=noun)
        options = [*self.phrasings, *(self.lone if _lone(photo) else ())]
        text = rng.choice(options).format(the=e.the(), new=_a(new.name(), e.count))
        return PhotoEdit(self.kind, text, _put(photo, slot, new))


SUBJECT_SWAPS: dict[str, SubjectSwap] = {
    s.kind: s
    for s in (
        SubjectSwap(
            "object",
            nouns=tuple(s for s, _ in vocab.OBJECTS),
            phrasings=(
                "replace {the} with {new}",
                "turn {the} into {new}",
                "{new} instead of {the}",
                "swap {the} for {new}",
                "change {the} to {new}",
            ),
            lone=("show {new} instead", "it should be {new}"),
        ),
        SubjectSwap(
            "person",
            nouns=tuple(s for s, _, _ in vocab.PEOPLE),
            phrasings=(
                "replace {the} with {new}",
                "make {the} {new}",
                "{new} instead of {the}",
                "swap {the} for {new}",
                "change {the} into {new}",
            ),
            actions=vocab.PERSON_ACTIONS,
        ),
        SubjectSwap(
            "animal",
            nouns=tuple(s for s, _ in vocab.ANIMALS),
            phrasings=(
                "replace {the} with {new}",
                "make {the} {new}",
                "{new} instead of {the}",
                "turn {the} into {new}",
                "swap {the} for {new}",
            ),
            lone=("show {new} instead",),
            actions=vocab.ANIMAL_ACTIONS,
        ),
    )
}


def _action_edit(
    photo: Photo, slot: Slot, e: Entity, kind: str, actions: tuple[str, ...], rng: random.Random
) -> PhotoEdit:
    action = rng.choice([a for a in actions if a != e.action])
    verb = vocab.ACTION_VERBS[action]
    the = e.the()
    options = [f"make {the} {verb}", f"{the} should be {action}", f"show {the} {action}", f"{the} {action} instead"]
    return PhotoEdit(kind, rng.choice(options), _put(photo, slot, replace(e, action=action)))


# ------------------------------------------------------------------------------------------- things


def edit_count(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    slot, e = _pick(photo, ENTITY_KINDS, rng) or ("main", photo.main)
    n1 = e.count
    n2 = rng.choice([n for n in range(1, vocab.MAX_COUNT[e.kind] + 1) if n != n1])
    new = replace(e, count=n2)
    w1, w2 = vocab.COUNT_WORDS[n1], vocab.COUNT_WORDS[n2]
    many = _named(e.noun, 2)
    options = [
        f"{w2} {new.name()} instead of {w1}",
        f"there should be {w2} {new.name()}",
        f"show {w2} {new.name()}",
        f"change the number of {many} to {w2}",
    ]
    if n2 == 1:
        options += [f"just one {e.noun}", f"leave only one {e.noun}", f"a single {e.noun} instead"]
    elif n2 > n1:
        options += [f"make it {w2} {new.name()}", f"more {many}: {w2} in all", f"increase the {many} to {w2}"]
        if n2 == n1 + 1:
            options += [f"add another {e.noun}", f"add one more {e.noun}"]
    else:
        options += [f"make it {w2} {new.name()}", f"fewer {many}, only {w2}", f"reduce the {many} to {w2}"]
    return PhotoEdit("count", rng.choice(options), _put(photo, slot, new))


def edit_colour(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    picked = _pick(photo, ("object", "animal"), rng)
    if picked is None:
        return None
    slot, e = picked
    palette = vocab.COLOURS if e.kind == "object" else vocab.COATS
    colour = rng.choice([c for c in palette if c != e.colour])
    new = replace(e, colour=colour)
    the = e.the()
    options = [
        f"make {the} {colour}",
        f"change the colour of {the} to {colour}",
        f"{the} should be {colour}",
        f"turn {the} {colour}",
        f"{_a(f'{colour} {e.name()}', e.count)} instead",
    ]
    if e.colour:
        options.append(f"{colour} instead of {e.colour}")
    options += [f"paint {the} {colour}", f"recolour {the} {colour}"] if e.kind == "object" else []
    if e.kind == "animal":
        options.append(f"give {the} {_a(colour)} coat" if e.count == 1 else f"give {the} {colour} coats")
    return PhotoEdit("colour", rng.choice(options), _put(photo, slot, new))


def edit_size(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    picked = _pick(photo, ("object", "animal"), rng)
    if picked is None:
        return None
    slot, e = picked
    sizes = (None, "small", "large") if e.kind == "animal" else (None, *vocab.SIZES)
    first = rng.random() < 0.5
    for grow in (first, not first):
        step = vocab.BIGGER if grow else vocab.SMALLER
        if e.size in step and step[e.size] in sizes:
            break
    else:
        return None
    size = step[e.size]
    new = replace(e, size=size)
    the, name = e.the(), e.name()
    comparative = "bigger" if grow else "smaller"
    options = [
        f"make {the} {comparative}",
        f"{the} should be {comparative}",
        f"{_a(f'{comparative} {name}', e.count)}",
        f"make {the} {'larger' if grow else 'a bit smaller'}",
        f"{'enlarge' if grow else 'shrink'} {the}",
    ]
    if size is not None:
        options.append(f"make {the} {size}")
    return PhotoEdit("size", rng.choice(options), _put(photo, slot, new))


# ------------------------------------------------------------------------------------------- people


def edit_clothing(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    picked = _pick(photo, ("person",), rng)
    if picked is None:
        return None
    slot, e = picked
    several_people = len(_slots(photo, ("person",))) > 1
    owner = f"the {e.name()}'s" if several_people or rng.random() < 0.4 else e.possessive()
    whom = e.the() if several_people or rng.random() < 0.4 else e.object_pronoun()
    who = e.the() if several_people else _subject_pronoun(e)
    choices = ["garment"]
    if e.garment:
        choices.append("colour")
    choices.append("drop accessory" if e.accessory else "accessory")
    what = rng.choice(choices)
    if what == "colour" and e.garment:
        colour = rng.choice([c for c in vocab.COLOURS if c != e.colour])
        garment = garment_plural(e.garment) if e.plural else e.garment
        new = replace(e, colour=colour)
        options = [
            f"make {owner} {garment} {colour}",
            f"change the colour of {owner} {garment} to {colour}",
            f"{who} should wear {_a(f'{colour} {garment}', e.count)}",
            f"dress {whom} in {colour}",
            f"{_a(f'{colour} {garment}', e.count)} instead of {_a(f'{e.colour} {garment}', e.count)}",
        ]
    elif what == "garment":
        g2 = rng.choice([g for g in vocab.GARMENTS if g != e.garment])
        colour = e.colour or rng.choice(vocab.COLOURS)
        new = replace(e, garment=g2, colour=colour)
        worn = f"{colour} {garment_plural(g2) if e.plural else g2}"
        options = [f"dress {whom} in {_a(worn, e.count)}", f"put {whom} in {_a(worn, e.count)}"]
        if e.garment:
            old = garment_plural(e.garment) if e.plural else e.garment
            options += [
                f"swap {owner} {old} for {_a(worn, e.count)}",
                f"{who} should wear {_a(worn, e.count)} instead of {_a(old, e.count)}",
                f"change {owner} {old} to {_a(worn, e.count)}",
            ]
        else:
            options.append(f"{who} should be wearing {_a(worn, e.count)}")
    elif what == "accessory":
        acc = rng.choice(vocab.ACCESSORIES)
        new = replace(e, accessory=acc)
        thing = _a(acc) if e.count == 1 and acc not in UNCOUNTED else accessory_plural(acc)
        options = [f"give {whom} {thing}", f"add {thing}", f"put {thing} on {whom}", f"{who} should have {thing}"]
    else:
        acc = e.accessory or ""
        thing = acc if e.count == 1 else accessory_plural(acc)
        new = replace(e, accessory=None)
        options = [f"remove {owner} {thing}", f"take off {owner} {thing}", f"without the {thing}", f"no {thing}"]
    return PhotoEdit("clothing", rng.choice(options), _put(photo, slot, new))


# -------------------------------------------------------- weather, time, season, place, view, style


@dataclass(frozen=True)
class SceneChange:
    """Set one photo-wide attribute (``attr``, a :class:`Photo` field) to another of its ``values``: "make
    it rainy", "at night instead", "put it on a beach". Called like any edit function.

    ``values`` pairs the value as the photo holds it (a caption phrase: "in the rain") with the word an
    edit uses for it ("rainy"). Phrasings are templates over ``{phrase}`` and ``{word}`` of the new value
    and ``{main}`` (the main subject: "the dog"); ``asks`` adds ways to ask for one value, by its word.
    """

    kind: str
    attr: str
    values: tuple[tuple[str, str], ...]  # (value in the photo, word in an edit), in vocabulary order
    phrasings: tuple[str, ...] = ()
    asks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    instead_of: bool = True  # also "{word} instead of {the old word}" when the photo has a value
    clear: tuple[str, ...] = ()  # if any, 30% of the edits of a photo with a value remove it, so worded

    def __call__(self, photo: Photo, rng: random.Random) -> PhotoEdit:
        current: str | None = getattr(photo, self.attr)
        if self.clear and current is not None and rng.random() < 0.3:
            cleared: dict[str, Any] = {self.attr: None}  # the attribute is named by data, so typed loosely
            return PhotoEdit(self.kind, rng.choice(self.clear), replace(photo, **cleared))
        value, word = rng.choice([(v, w) for v, w in self.values if v != current])
        options = [p.format(phrase=value, word=word, main=photo.main.the()) for p in self.phrasings]
        options += self.asks.get(word, ())
        if self.instead_of and current:
            options.append(f"{word} instead of {dict(self.values)[current]}")
        changed: dict[str, Any] = {self.attr: value}
        return PhotoEdit(self.kind, rng.choice(options), replace(photo, **changed))


def _as_is(words: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """Values that a photo holds and an edit names with the same word ("winter", "close-up")."""
    return tuple((w, w) for w in words)


SCENE_CHANGES: dict[str, SceneChange] = {
    c.kind: c
    for c in (
        SceneChange(
            "weather",
            attr="weather",
            values=vocab.WEATHER,
            phrasings=(
                "make it {word}",
                "change the weather to {word}",
                "{word} weather instead",
                "the same scene {phrase}",
            ),
            asks=vocab.WEATHER_ASKS,
        ),
        SceneChange(
            "time",
            attr="time",
            values=vocab.TIMES,
            phrasings=(
                "change the time of day to {word}",
                "the same scene {phrase}",
                "{phrase} instead",
                "show it {phrase}",
            ),
            asks=vocab.TIME_ASKS,
        ),
        SceneChange(
            "season",
            attr="season",
            values=_as_is(vocab.SEASONS),
            phrasings=(
                "make it {word}",
                "change the season to {word}",
                "in {word} instead",
                "the same place in {word}",
                "show it in {word}",
            ),
        ),
        SceneChange(
            "place",
            attr="place",
            values=vocab.PLACES,
            phrasings=(
                "put it {phrase}",
                "change the background to {word}",
                "move the scene to {word}",
                "the same but {phrase}",
                "set it {phrase}",
                "replace the background with {word}",
                "{phrase} instead",
                "show {main} {phrase}",
            ),
        ),
        SceneChange("viewpoint", attr="view", values=_as_is(vocab.VIEWS), asks=vocab.VIEWS, instead_of=False),
        SceneChange(
            "style",
            attr="style",
            values=_as_is(vocab.STYLES),
            asks={style: phrasings for style, (_, phrasings) in vocab.STYLES.items()},
            instead_of=False,
            clear=vocab.UNSTYLE,
        ),
    )
}


# -------------------------------------------------------------------------------------- add, remove


def edit_add(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    if photo.extra is not None:
        return None
    new = random_entity(rng, rng.choice(ENTITY_KINDS), avoid={photo.main.noun})
    what = new.phrase(photo.voice)
    options = [
        f"add {what}",
        f"put {what} next to {photo.main.the()}",
        f"include {what}",
        f"with {what} too",
        f"add {what} in the background",
        f"there should also be {what}",
    ]
    return PhotoEdit("add", rng.choice(options), replace(photo, extra=new))


def edit_remove(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    if photo.extra is None:
        return None
    gone, kept = (photo.extra, photo.main) if rng.random() < 0.7 else (photo.main, photo.extra)
    the = gone.the()
    options = [
        f"remove {the}",
        f"take out {the}",
        f"without {the}",
        f"get rid of {the}",
        f"no {gone.name()}",
        f"keep only {kept.the()}",
        f"just {kept.the()}, nothing else",
    ]
    return PhotoEdit("remove", rng.choice(options), replace(photo, main=kept, extra=None))


EDITS: dict[str, EditFn] = {
    "object": SUBJECT_SWAPS["object"],
    "count": edit_count,
    "colour": edit_colour,
    "size": edit_size,
    "person": SUBJECT_SWAPS["person"],
    "clothing": edit_clothing,
    "animal": SUBJECT_SWAPS["animal"],
    "weather": SCENE_CHANGES["weather"],
    "time": SCENE_CHANGES["time"],
    "season": SCENE_CHANGES["season"],
    "place": SCENE_CHANGES["place"],
    "viewpoint": SCENE_CHANGES["viewpoint"],
    "style": SCENE_CHANGES["style"],
    "add": edit_add,
    "remove": edit_remove,
}
#: Every kind of edit, in a fixed order.
EDIT_KINDS: tuple[str, ...] = tuple(EDITS)

#: The edits that need a subject of one of these kinds in the photo.
_NEEDS: dict[str, tuple[str, ...]] = {
    "object": ("object",),
    "colour": ("object", "animal"),
    "size": ("object", "animal"),
    "person": ("person",),
    "clothing": ("person",),
    "animal": ("animal",),
}


def possible_edits(photo: Photo) -> list[str]:
    """The edit kinds that apply to ``photo``."""
    return [k for k in EDIT_KINDS if _applies(k, photo)]


def _applies(kind: str, photo: Photo) -> bool:
    if kind == "add":
        return photo.extra is None
    if kind == "remove":
        return photo.extra is not None
    needs = _NEEDS.get(kind)
    return needs is None or any(e.kind in needs for e in photo.entities())
