"""What people change in a photo, and the many ways they ask for it.

Each edit takes a :class:`Photo` and a seeded ``random.Random`` and returns the modification text and the
target photo, or None when the photo offers nothing to edit that way (no person to dress, no second
subject to remove). The wording is picked at random among several phrasings, so that one change is asked
for in many ways.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.compose.phrasebook import vocab
from desktop.compose.phrasebook.scene import (
    ENTITY_KINDS,
    PLACE_NAMES,
    PRONOUNS,
    TIME_WORDS,
    UNCOUNTED,
    WEATHER_WORDS,
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


# -------------------------------------------------------------------------------------------- things


def edit_object(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    picked = _pick(photo, ("object",), rng)
    if picked is None:
        return None
    slot, e = picked
    noun = rng.choice([s for s, _ in vocab.OBJECTS if s not in _nouns(photo)])
    new = replace(e, noun=noun)
    the, a_new = e.the(), _a(new.name(), e.count)
    options = [
        f"replace {the} with {a_new}",
        f"turn {the} into {a_new}",
        f"{a_new} instead of {the}",
        f"swap {the} for {a_new}",
        f"change {the} to {a_new}",
    ]
    if _lone(photo):
        options += [f"show {a_new} instead", f"it should be {a_new}"]
    return PhotoEdit("object", rng.choice(options), _put(photo, slot, new))


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


# -------------------------------------------------------------------------------------------- people


def edit_person(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    picked = _pick(photo, ("person",), rng)
    if picked is None:
        return None
    slot, e = picked
    if rng.random() < 0.3:
        return _action_edit(photo, slot, e, "person", vocab.PERSON_ACTIONS, rng)
    noun = rng.choice([s for s, _, _ in vocab.PEOPLE if s not in _nouns(photo)])
    new = replace(e, noun=noun)
    the, a_new = e.the(), _a(new.name(), e.count)
    options = [
        f"replace {the} with {a_new}",
        f"make {the} {a_new}",
        f"{a_new} instead of {the}",
        f"swap {the} for {a_new}",
        f"change {the} into {a_new}",
    ]
    return PhotoEdit("person", rng.choice(options), _put(photo, slot, new))


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


# ------------------------------------------------------------------------------------------- animals


def edit_animal(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    picked = _pick(photo, ("animal",), rng)
    if picked is None:
        return None
    slot, e = picked
    if rng.random() < 0.3:
        return _action_edit(photo, slot, e, "animal", vocab.ANIMAL_ACTIONS, rng)
    noun = rng.choice([s for s, _ in vocab.ANIMALS if s not in _nouns(photo)])
    new = replace(e, noun=noun)
    the, a_new = e.the(), _a(new.name(), e.count)
    options = [
        f"replace {the} with {a_new}",
        f"make {the} {a_new}",
        f"{a_new} instead of {the}",
        f"turn {the} into {a_new}",
        f"swap {the} for {a_new}",
    ]
    if _lone(photo):
        options.append(f"show {a_new} instead")
    return PhotoEdit("animal", rng.choice(options), _put(photo, slot, new))


def _action_edit(
    photo: Photo, slot: Slot, e: Entity, kind: str, actions: tuple[str, ...], rng: random.Random
) -> PhotoEdit:
    action = rng.choice([a for a in actions if a != e.action])
    verb = vocab.ACTION_VERBS[action]
    the = e.the()
    options = [f"make {the} {verb}", f"{the} should be {action}", f"show {the} {action}", f"{the} {action} instead"]
    return PhotoEdit(kind, rng.choice(options), _put(photo, slot, replace(e, action=action)))


# ------------------------------------------------------------------------------- weather, time, season


def edit_weather(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    phrase, word = rng.choice([w for w in vocab.WEATHER if w[0] != photo.weather])
    options = [
        f"make it {word}",
        f"change the weather to {word}",
        f"{word} weather instead",
        f"the same scene {phrase}",
        *vocab.WEATHER_ASKS[word],
    ]
    if photo.weather:
        options.append(f"{word} instead of {WEATHER_WORDS[photo.weather]}")
    return PhotoEdit("weather", rng.choice(options), replace(photo, weather=phrase))


def edit_time(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    phrase, word = rng.choice([t for t in vocab.TIMES if t[0] != photo.time])
    options = [
        f"change the time of day to {word}",
        f"the same scene {phrase}",
        f"{phrase} instead",
        f"show it {phrase}",
        *vocab.TIME_ASKS[word],
    ]
    if photo.time:
        options.append(f"{word} instead of {TIME_WORDS[photo.time]}")
    return PhotoEdit("time", rng.choice(options), replace(photo, time=phrase))


def edit_season(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    season = rng.choice([s for s in vocab.SEASONS if s != photo.season])
    options = [
        f"make it {season}",
        f"change the season to {season}",
        f"in {season} instead",
        f"the same place in {season}",
        f"show it in {season}",
    ]
    if photo.season:
        options.append(f"{season} instead of {photo.season}")
    return PhotoEdit("season", rng.choice(options), replace(photo, season=season))


# ------------------------------------------------------------------------------- place, view, style


def edit_place(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    phrase, name = rng.choice([p for p in vocab.PLACES if p[0] != photo.place])
    options = [
        f"put it {phrase}",
        f"change the background to {name}",
        f"move the scene to {name}",
        f"the same but {phrase}",
        f"set it {phrase}",
        f"replace the background with {name}",
        f"{phrase} instead",
        f"show {photo.main.the()} {phrase}",
        f"{name} instead of {PLACE_NAMES[photo.place]}",
    ]
    return PhotoEdit("place", rng.choice(options), replace(photo, place=phrase))


def edit_view(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    view = rng.choice([v for v in vocab.VIEWS if v != photo.view])
    return PhotoEdit("viewpoint", rng.choice(vocab.VIEWS[view]), replace(photo, view=view))


def edit_style(photo: Photo, rng: random.Random) -> PhotoEdit | None:
    if photo.style is not None and rng.random() < 0.3:
        return PhotoEdit("style", rng.choice(vocab.UNSTYLE), replace(photo, style=None))
    style = rng.choice([s for s in vocab.STYLES if s != photo.style])
    return PhotoEdit("style", rng.choice(vocab.STYLES[style][1]), replace(photo, style=style))


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
    "object": edit_object,
    "count": edit_count,
    "colour": edit_colour,
    "size": edit_size,
    "person": edit_person,
    "clothing": edit_clothing,
    "animal": edit_animal,
    "weather": edit_weather,
    "time": edit_time,
    "season": edit_season,
    "place": edit_place,
    "viewpoint": edit_view,
    "style": edit_style,
    "add": edit_add,
    "remove": edit_remove,
}
#: Every kind of edit, in a fixed order.
EDIT_KINDS: tuple[str, ...] = tuple(EDITS)


def possible_edits(photo: Photo) -> list[str]:
    """The edit kinds that apply to ``photo``."""
    kinds = {e.kind for e in photo.entities()}
    out = []
    for k in EDIT_KINDS:
        if (
            (k == "object" and "object" not in kinds)
            or (k in ("colour", "size") and not kinds & {"object", "animal"})
            or (k in ("person", "clothing") and "person" not in kinds)
            or (k == "animal" and "animal" not in kinds)
            or (k == "add" and photo.extra is not None)
            or (k == "remove" and photo.extra is None)
        ):
            continue
        out.append(k)
    return out
