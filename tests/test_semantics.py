"""What a user sees with the bundled shapes-tiny model: results that mean what the query says.

The pictures are rendered fresh for each run (seeds not used in training); the assertions are about
what the top results *show*, read back from the scenes that were drawn.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from desktop.library import Library
from desktop.shapes.world import Obj, Scene, random_scene
from tests.conftest import needs_shapes_tiny, write_scene

pytestmark = needs_shapes_tiny


@pytest.fixture(scope="module")
def shapes_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, dict[str, Scene]]:
    root = tmp_path_factory.mktemp("shapes")
    photos = root / "photos"
    rng = random.Random(90210)
    scenes: dict[str, Scene] = {}
    planted = [
        Scene("white", (Obj("square", "red", "large", "center"),)),  # the composed target
        Scene("black", (Obj("square", "red", "large", "center"),)),  # right change, wrong background
        Scene("white", (Obj("square", "orange", "large", "center"),)),  # wrong colour
        Scene("white", (Obj("circle", "red", "large", "center"),)),  # wrong shape
        Scene("white", (Obj("square", "blue", "large", "center"),)),  # the reference's own scene
        Scene("white", (Obj("square", "red", "small", "center"),)),  # wrong size
    ]
    for _ in range(6):  # red circles among other things
        obj = Obj("circle", "red", rng.choice(["small", "large"]), rng.choice(["left", "right", "center"]))
        planted.append(Scene(rng.choice(["white", "gray", "beige", "black"]), (obj,)))
    everything = planted + [random_scene(rng) for _ in range(90)]
    for i, scene in enumerate(everything):
        name = f"p{i:03d}.png"
        write_scene(photos / name, scene, seed=1000 + i)
        scenes[str(photos / name)] = scene
    lib = Library.open(root / "lib", "shapes-tiny")
    lib.add_root(photos)
    summary = lib.index()
    assert summary.indexed == len(everything)
    yield lib, scenes
    lib.close()


def has(scene: Scene, colour: str, shape: str) -> bool:
    return any(o.colour == colour and o.shape == shape for o in scene.objects)


def test_a_red_circle_returns_red_circles_first(shapes_library: tuple[Library, dict[str, Scene]]) -> None:
    lib, scenes = shapes_library
    n_red_circles = sum(has(s, "red", "circle") for s in scenes.values())
    assert n_red_circles >= 6
    hits = lib.search(text="a red circle", k=5).hits
    shown = [scenes[h.path] for h in hits]
    assert all(has(s, "red", "circle") for s in shown), [str(s) for s in shown]


def test_a_star_on_black(shapes_library: tuple[Library, dict[str, Scene]]) -> None:
    lib, scenes = shapes_library
    hits = lib.search(text="a star on a black background", k=3).hits
    for h in hits:
        s = scenes[h.path]
        assert s.background == "black" and any(o.shape == "star" for o in s.objects), s


def test_composed_blue_square_made_red(shapes_library: tuple[Library, dict[str, Scene]], tmp_path: Path) -> None:
    lib, scenes = shapes_library
    reference = write_scene(tmp_path / "ref.png", Scene("white", (Obj("square", "blue", "large", "center"),)), seed=5)
    res = lib.search(text="make the square red", image=reference, k=5)
    assert res.mode == "combiner", "shapes-tiny ships with a Combiner"
    top = scenes[res.hits[0].path]
    assert top.key() == Scene("white", (Obj("square", "red", "large", "center"),)).key(), top


def test_similar_images_show_the_same_scene(shapes_library: tuple[Library, dict[str, Scene]], tmp_path: Path) -> None:
    lib, scenes = shapes_library
    path, scene = next((p, s) for p, s in scenes.items() if len(s.objects) == 2)
    other_render = write_scene(tmp_path / "again.png", scene, seed=77, canvas=160)
    res = lib.search(image=other_render, k=3)
    assert path in [h.path for h in res.hits]
