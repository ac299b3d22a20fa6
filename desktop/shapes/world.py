"""The shapes world (../shared/shapes-world.md): vocabulary, scenes, captions and modifications.

This module is the contract. It knows nothing of pixels (see :mod:`desktop.shapes.render`) and nothing of
models; given a seeded ``random.Random`` every function here is deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "white": (245, 245, 245),
    "black": (20, 20, 20),
    "gray": (128, 128, 128),
    "beige": (225, 205, 160),
}
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 210, 40),
    "purple": (140, 60, 180),
    "orange": (245, 140, 30),
}
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star")
SIZES: dict[str, float] = {"small": 0.22, "large": 0.42}
POSITIONS: dict[str, tuple[float, float]] = {
    "left": (0.28, 0.5),
    "right": (0.72, 0.5),
    "top": (0.5, 0.28),
    "bottom": (0.5, 0.72),
    "center": (0.5, 0.5),
}
EDIT_KINDS: tuple[str, ...] = ("colour", "shape", "size", "background", "add", "remove")


@dataclass(frozen=True, order=True)
class Obj:
    shape: str
    colour: str
    size: str
    position: str

    def phrase(self) -> str:
        where = "in the center" if self.position == "center" else f"on the {self.position}"
        return f"a {self.size} {self.colour} {self.shape} {where}"


@dataclass(frozen=True)
class Scene:
    background: str
    objects: tuple[Obj, ...]

    def key(self) -> tuple[str, tuple[Obj, ...]]:
        """Identity of a scene for retrieval: same objects, attributes and background; jitter ignored."""
        return (self.background, tuple(sorted(self.objects)))

    def obj(self, shape: str) -> Obj:
        return next(o for o in self.objects if o.shape == shape)

    def is_valid(self) -> bool:
        shapes = [o.shape for o in self.objects]
        places = [o.position for o in self.objects]
        return 1 <= len(self.objects) <= 2 and len(set(shapes)) == len(shapes) and len(set(places)) == len(places)


@dataclass(frozen=True)
class Edit:
    kind: str
    text: str
    target: Scene


# ---------------------------------------------------------------------------------------------- scenes


def random_object(
    rng: random.Random, *, avoid_shapes: AbstractSet[str] = frozenset(), avoid_positions: AbstractSet[str] = frozenset()
) -> Obj:
    return Obj(
        shape=rng.choice([s for s in SHAPES if s not in avoid_shapes]),
        colour=rng.choice(list(COLOURS)),
        size=rng.choice(list(SIZES)),
        position=rng.choice([p for p in POSITIONS if p not in avoid_positions]),
    )


def random_scene(rng: random.Random, n_objects: int | None = None) -> Scene:
    n = n_objects or rng.choice((1, 2))
    objs: list[Obj] = []
    for _ in range(n):
        objs.append(
            random_object(rng, avoid_shapes={o.shape for o in objs}, avoid_positions={o.position for o in objs})
        )
    return Scene(rng.choice(list(BACKGROUNDS)), tuple(objs))


def all_scenes() -> Iterator[Scene]:
    """Every distinct scene of the world (about 70k), in a fixed order."""
    singles = [Obj(s, c, z, p) for s in SHAPES for c in COLOURS for z in SIZES for p in POSITIONS]
    for bg in BACKGROUNDS:
        for a in singles:
            yield Scene(bg, (a,))
        for i, a in enumerate(singles):
            for b in singles[i + 1 :]:
                if a.shape != b.shape and a.position != b.position:
                    yield Scene(bg, (a, b))


# -------------------------------------------------------------------------------------------- captions


def caption(scene: Scene, rng: random.Random | None = None) -> str:
    """The canonical caption; with ``rng`` the objects come in random order."""
    objs = list(scene.objects)
    if rng is not None:
        rng.shuffle(objs)
    return " and ".join(o.phrase() for o in objs) + f" on a {scene.background} background"


PARTIAL_KINDS: tuple[str, ...] = (
    "colour+shape",
    "shape+background",
    "size+colour+shape",
    "colour+shape+position",
    "count+background",
    "colour+shape+background",
    "shape",
    "full",
)


@dataclass(frozen=True)
class Query:
    """What a text query asks for, so that whether a scene satisfies it can be checked exactly."""

    kind: str
    text: str
    shape: str | None = None
    colour: str | None = None
    size: str | None = None
    position: str | None = None
    background: str | None = None
    count: int | None = None
    scene: Scene | None = None  # for "full": the whole scene is asked for

    def satisfied_by(self, scene: Scene) -> bool:
        if self.scene is not None:
            return scene.key() == self.scene.key()
        if self.background is not None and scene.background != self.background:
            return False
        if self.count is not None and len(scene.objects) != self.count:
            return False
        wanted = {
            f: v
            for f, v in (
                ("shape", self.shape),
                ("colour", self.colour),
                ("size", self.size),
                ("position", self.position),
            )
            if v is not None
        }
        return not wanted or any(all(getattr(o, f) == v for f, v in wanted.items()) for o in scene.objects)


def describe(scene: Scene, kind: str, rng: random.Random) -> Query:
    """A query of the given kind (see :data:`PARTIAL_KINDS`) that ``scene`` satisfies."""
    o = rng.choice(scene.objects)
    bg = scene.background
    if kind == "colour+shape":
        return Query(kind, f"a {o.colour} {o.shape}", shape=o.shape, colour=o.colour)
    if kind == "shape":
        return Query(kind, f"a {o.shape}", shape=o.shape)
    if kind == "shape+background":
        text = rng.choice((f"a {o.shape} on a {bg} background", f"a {o.shape} on {bg}"))
        return Query(kind, text, shape=o.shape, background=bg)
    if kind == "size+colour+shape":
        return Query(kind, f"a {o.size} {o.colour} {o.shape}", shape=o.shape, colour=o.colour, size=o.size)
    if kind == "colour+shape+position":
        where = "in the center" if o.position == "center" else f"on the {o.position}"
        text = f"a {o.colour} {o.shape} {where}"
        return Query(kind, text, shape=o.shape, colour=o.colour, position=o.position)
    if kind == "colour+shape+background":
        text = f"a {o.colour} {o.shape} on a {bg} background"
        return Query(kind, text, shape=o.shape, colour=o.colour, background=bg)
    if kind == "count+background":
        n = len(scene.objects)
        count = "one shape" if n == 1 else "two shapes"
        text = rng.choice((f"{count} on {bg}", f"{count} on a {bg} background"))
        return Query(kind, text, background=bg, count=n)
    if kind == "full":
        return Query(kind, caption(scene, rng), scene=scene)
    raise ValueError(f"unknown caption kind {kind!r}")


# ---------------------------------------------------------------------------------------- modifications


def _phrase_colour(shape: str, colour: str, rng: random.Random) -> str:
    return rng.choice(
        (
            f"make the {shape} {colour}",
            f"change the colour of the {shape} to {colour}",
            f"the {shape} should be {colour}",
        )
    )


def _phrase_shape(shape: str, shape2: str, rng: random.Random) -> str:
    return rng.choice((f"turn the {shape} into a {shape2}", f"replace the {shape} with a {shape2}"))


def _phrase_size(shape: str, new_size: str, rng: random.Random) -> str:
    relative = "bigger" if new_size == "large" else "smaller"
    return rng.choice((f"make the {shape} {new_size}", f"make the {shape} {relative}"))


def _phrase_background(bg: str, rng: random.Random) -> str:
    return rng.choice((f"change the background to {bg}", f"put it on a {bg} background"))


def possible_edits(scene: Scene) -> list[str]:
    kinds = ["colour", "shape", "size", "background"]
    kinds.append("add" if len(scene.objects) == 1 else "remove")
    return kinds


def apply_edit(scene: Scene, kind: str, rng: random.Random, **choice: str) -> Edit:
    """Apply one edit of ``kind`` to ``scene``, choosing its free values with ``rng`` unless given.

    ``choice`` may pin ``shape`` (the object edited), ``value`` (new colour / shape / size / background)
    and, for ``add``, the new object's ``colour``, ``size``, ``position``.
    """
    objs = list(scene.objects)
    if kind == "background":
        bg = choice.get("value") or rng.choice([b for b in BACKGROUNDS if b != scene.background])
        return Edit(kind, _phrase_background(bg, rng), Scene(bg, scene.objects))
    if kind == "add":
        if len(objs) != 1:
            raise ValueError("add needs a scene with one object")
        taken_shapes, taken_pos = {objs[0].shape}, {objs[0].position}
        new = Obj(
            shape=choice.get("value") or rng.choice([s for s in SHAPES if s not in taken_shapes]),
            colour=choice.get("colour") or rng.choice(list(COLOURS)),
            size=choice.get("size") or rng.choice(list(SIZES)),
            position=choice.get("position") or rng.choice([p for p in POSITIONS if p not in taken_pos]),
        )
        return Edit(kind, f"add a {new.size} {new.colour} {new.shape}", Scene(scene.background, (*objs, new)))
    target_shape = choice.get("shape") or rng.choice(objs).shape
    old = scene.obj(target_shape)
    rest = [o for o in objs if o is not old]
    if kind == "remove":
        if len(objs) != 2:
            raise ValueError("remove needs a scene with two objects")
        text = rng.choice((f"remove the {old.shape}", f"take away the {old.shape}"))
        return Edit(kind, text, Scene(scene.background, tuple(rest)))
    if kind == "colour":
        value = choice.get("value") or rng.choice([c for c in COLOURS if c != old.colour])
        new, text = replace(old, colour=value), _phrase_colour(old.shape, value, rng)
    elif kind == "shape":
        taken = {o.shape for o in objs}
        value = choice.get("value") or rng.choice([s for s in SHAPES if s not in taken])
        new, text = replace(old, shape=value), _phrase_shape(old.shape, value, rng)
    elif kind == "size":
        value = choice.get("value") or ("small" if old.size == "large" else "large")
        new, text = replace(old, size=value), _phrase_size(old.shape, value, rng)
    else:
        raise ValueError(f"unknown edit kind {kind!r}")
    ordered = tuple(new if o is old else o for o in objs)
    return Edit(kind, text, Scene(scene.background, ordered))


def random_edit(scene: Scene, rng: random.Random, kind: str | None = None) -> Edit:
    return apply_edit(scene, kind or rng.choice(possible_edits(scene)), rng)


def hard_negative(scene: Scene, rng: random.Random) -> Scene:
    """A scene that differs from ``scene`` in exactly one attribute (for contrastive training)."""
    kinds = ["colour", "shape", "size", "background", "position"]
    kind = rng.choice(kinds)
    if kind == "position":
        objs = list(scene.objects)
        i = rng.randrange(len(objs))
        taken = {o.position for o in objs}
        free = [p for p in POSITIONS if p not in taken]
        objs[i] = replace(objs[i], position=rng.choice(free))
        return Scene(scene.background, tuple(objs))
    if kind == "size":
        o = rng.choice(scene.objects)
        return apply_edit(scene, "size", rng, shape=o.shape).target
    return apply_edit(scene, kind, rng).target
