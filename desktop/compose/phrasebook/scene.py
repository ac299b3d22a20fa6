"""A photo as the phrasebook sees it: one or two subjects in a place, under some light, in some style.

A :class:`Photo` is what its caption says, no more: the caption stands in for the photo's image features
when a Combiner is trained from text alone. :class:`Voice` holds the wording choices (how the caption
opens, in which order it says where and when) so that a reference and its target are worded alike and
differ only by the edit.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from desktop.compose.phrasebook import vocab

PLURALS: dict[str, str] = {s: p for s, p in vocab.OBJECTS} | {s: p for s, p in vocab.ANIMALS}
PLURALS |= {s: p for s, p, _ in vocab.PEOPLE}
PRONOUNS: dict[str, str] = {s: g for s, _, g in vocab.PEOPLE}
PLACE_NAMES: dict[str, str] = dict(vocab.PLACES)
WEATHER_WORDS: dict[str, str] = dict(vocab.WEATHER)
TIME_WORDS: dict[str, str] = dict(vocab.TIMES)


@dataclass(frozen=True)
class Entity:
    """A subject: ``kind`` is "object", "animal" or "person"."""

    kind: str
    noun: str
    count: int = 1
    colour: str | None = None  # a thing's colour, an animal's coat; a person's clothing colour
    size: str | None = None  # things and animals
    garment: str | None = None  # people
    accessory: str | None = None  # people
    action: str | None = None  # people and animals

    @property
    def plural(self) -> bool:
        return self.count > 1

    def name(self) -> str:
        """The bare noun in the right number: "dog", "dogs"."""
        return PLURALS.get(self.noun, self.noun + "s") if self.plural else self.noun

    def the(self) -> str:
        """How an edit points at it: "the dog", "the dogs"."""
        return f"the {self.name()}"

    def possessive(self) -> str:
        """ "his", "her", "their": whose clothes."""
        if self.plural:
            return "their"
        return {"he": "his", "she": "her"}.get(PRONOUNS.get(self.noun, "they"), "their")

    def object_pronoun(self) -> str:
        if self.plural:
            return "them"
        return {"he": "him", "she": "her"}.get(PRONOUNS.get(self.noun, "they"), "them")

    def phrase(self, voice: Voice) -> str:
        words = [w for w in (self.size, self.colour if self.kind != "person" else None, self.name()) if w]
        head = " ".join(words)
        text = f"{_determiner(self.count, head)} {head}"
        if self.kind == "person":
            text += self._clothes(voice)
        if self.action:
            text += f" {self.action}"
        return text

    def _clothes(self, voice: Voice) -> str:
        out = ""
        if self.garment:
            garment = garment_plural(self.garment) if self.plural else self.garment
            worn = " ".join(w for w in (self.colour, garment) if w)
            det = "" if self.plural or self.garment in UNCOUNTED else f"{article(worn)} "
            out += f" {voice.wearing} {det}{worn}"
        if self.accessory:
            acc = self.accessory
            if acc in UNCOUNTED:
                out += f" with {acc}"
            else:
                out += f" with {accessory_plural(acc)}" if self.plural else f" with {article(acc)} {acc}"
        return out


#: Garments and accessories that take no article: "wearing sunglasses".
UNCOUNTED = frozenset({"sunglasses", "glasses"})


@dataclass(frozen=True)
class Voice:
    """How a caption is worded; chosen once per reference photo."""

    opening: str = "a photo of "
    wearing: str = "in"  # "a man in a red coat" / "a man wearing a red coat"
    joiner: str = "and"  # "a dog and a cat" / "a dog with a cat" / "a dog next to a cat"
    clause_order: tuple[str, ...] = ("place", "time", "weather", "season")

    @classmethod
    def random(cls, rng: random.Random) -> Voice:
        order = ["time", "weather", "season"]
        rng.shuffle(order)
        order.insert(rng.choice((0, 0, 1)), "place")
        return cls(
            opening=rng.choice(vocab.PLAIN_OPENINGS),
            wearing=rng.choice(("in", "wearing")),
            joiner=rng.choice(("and", "with", "next to")),
            clause_order=tuple(order),
        )


@dataclass(frozen=True)
class Photo:
    main: Entity
    place: str  # a caption phrase from vocab.PLACES
    extra: Entity | None = None
    weather: str | None = None  # a caption phrase from vocab.WEATHER
    time: str | None = None  # a caption phrase from vocab.TIMES
    season: str | None = None
    view: str | None = None  # a key of vocab.VIEWS
    style: str | None = None  # a key of vocab.STYLES
    voice: Voice = field(default_factory=Voice, compare=False)

    def entities(self) -> tuple[Entity, ...]:
        return (self.main,) if self.extra is None else (self.main, self.extra)

    def caption(self) -> str:
        subject = self.main.phrase(self.voice)
        if self.extra is not None:
            subject += f" {self.voice.joiner} {self.extra.phrase(self.voice)}"
        clauses = {
            "place": self.place,
            "time": self.time,
            "weather": self.weather,
            "season": f"in {self.season}" if self.season else None,
        }
        context = " ".join(c for c in (clauses[k] for k in self.voice.clause_order) if c)
        return f"{self._opening()}{subject} {context}".strip()

    def _opening(self) -> str:
        if self.style is None and self.view is None:
            return self.voice.opening
        adjective, medium = vocab.STYLES[self.style][0] if self.style else ("", "photo")
        words = " ".join(w for w in (self.view, adjective, medium) if w)
        return f"{article(words)} {words} of "


def accessory_plural(accessory: str) -> str:
    return {"scarf": "scarves"}.get(accessory, garment_plural(accessory))


def garment_plural(garment: str) -> str:
    if garment in UNCOUNTED:
        return garment
    return garment + ("es" if garment.endswith("s") else "s")


def random_entity(rng: random.Random, kind: str, *, avoid: AbstractSet[str] = frozenset()) -> Entity:
    if kind == "object":
        return Entity(
            "object",
            rng.choice([s for s, _ in vocab.OBJECTS if s not in avoid]),
            count=_count(rng, kind),
            colour=_maybe(rng, 0.75, vocab.COLOURS),
            size=_maybe(rng, 0.4, vocab.SIZES),
        )
    if kind == "animal":
        return Entity(
            "animal",
            rng.choice([s for s, _ in vocab.ANIMALS if s not in avoid]),
            count=_count(rng, kind),
            colour=_maybe(rng, 0.5, vocab.COATS),
            size=_maybe(rng, 0.3, ("small", "large")),
            action=_maybe(rng, 0.5, vocab.ANIMAL_ACTIONS),
        )
    if kind == "person":
        garment = _maybe(rng, 0.7, vocab.GARMENTS)
        return Entity(
            "person",
            rng.choice([s for s, _, _ in vocab.PEOPLE if s not in avoid]),
            count=_count(rng, kind),
            colour=rng.choice(vocab.COLOURS) if garment else None,
            garment=garment,
            accessory=_maybe(rng, 0.3, vocab.ACCESSORIES),
            action=_maybe(rng, 0.5, vocab.PERSON_ACTIONS),
        )
    raise ValueError(f"unknown entity kind {kind!r}")


ENTITY_KINDS: tuple[str, ...] = ("object", "animal", "person")


def random_photo(rng: random.Random) -> Photo:
    """A photo with one subject (sometimes two) in a place; light, season, view and style only sometimes."""
    main = random_entity(rng, rng.choice(ENTITY_KINDS))
    extra = random_entity(rng, rng.choice(ENTITY_KINDS), avoid={main.noun}) if rng.random() < 0.35 else None
    return Photo(
        main=main,
        extra=extra,
        place=rng.choice(vocab.PLACES)[0],
        weather=_maybe(rng, 0.35, [w for w, _ in vocab.WEATHER]),
        time=_maybe(rng, 0.35, [t for t, _ in vocab.TIMES]),
        season=_maybe(rng, 0.25, vocab.SEASONS),
        view=_maybe(rng, 0.25, list(vocab.VIEWS)),
        style=_maybe(rng, 0.2, list(vocab.STYLES)),
        voice=Voice.random(rng),
    )


def _maybe(rng: random.Random, p: float, values: Sequence[str]) -> str | None:
    """One of ``values`` with probability ``p``, else None (the caption leaves it unsaid)."""
    return rng.choice(values) if rng.random() < p else None


def _count(rng: random.Random, kind: str) -> int:
    # Mostly one; sometimes a few.
    return rng.choice((1, 1, 1, 1, 2, 3, vocab.MAX_COUNT[kind]))


def _determiner(count: int, following: str) -> str:
    return article(following) if count == 1 else vocab.COUNT_WORDS[count]


def article(following: str) -> str:
    word = following.lower()
    return "an" if word[:1] in "aeiou" and not word.startswith(("uni", "one")) else "a"
