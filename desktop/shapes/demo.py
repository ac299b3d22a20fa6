"""A demo library of shapes scenes, so a new user sees all three kinds of search work in one command.

The photos get neutral names; ``captions.json`` beside them records what each one shows, so the demo can
print the truth next to each result (the search itself never reads it).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from desktop.files import write_bytes_atomic
from desktop.shapes.render import Style, random_style, render
from desktop.shapes.world import Obj, Scene, apply_edit, caption, random_scene

MANIFEST = "captions.json"
REFERENCE = Obj("square", "blue", "large", "center")
REFERENCE_SCENE = Scene("white", (REFERENCE,))
COMPOSED_TEXT = "make the square red"
TEXT_QUERY = "a red circle"
#: The bundled model that understands these scenes (and nothing else).
DEMO_MODEL = "shapes-tiny"


@dataclass(frozen=True)
class DemoLibrary:
    photos: Path
    reference: Path  # outside the photos folder: a reference need not be in the library
    captions: dict[str, str]  # file name -> caption

    def caption_of(self, path: str | Path) -> str:
        return self.captions.get(Path(path).name, "?")


def build_demo_library(directory: Path, count: int = 300, seed: int = 7) -> DemoLibrary:
    """Create (once) ``directory/photos`` with ``count`` scenes and ``directory/reference.png``."""
    directory = Path(directory)
    photos = directory / "photos"
    manifest = photos / MANIFEST
    reference = directory / "reference.png"
    if manifest.is_file() and reference.is_file():
        return DemoLibrary(photos, reference, json.loads(manifest.read_text()))
    photos.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    scenes = [random_scene(rng) for _ in range(count)]
    # Make sure the composed demo has its answer and its hard distractors in the library.
    scenes[:6] = [
        apply_edit(REFERENCE_SCENE, "colour", rng, shape="square", value="red").target,
        apply_edit(REFERENCE_SCENE, "colour", rng, shape="square", value="orange").target,
        apply_edit(REFERENCE_SCENE, "shape", rng, shape="square", value="circle").target,
        Scene("black", (Obj("square", "red", "large", "center"),)),
        Scene("white", (Obj("square", "red", "small", "center"),)),
        Scene("white", (Obj("circle", "red", "large", "left"),)),
    ]
    rng.shuffle(scenes)
    captions: dict[str, str] = {}
    for i, scene in enumerate(scenes):
        style = random_style(rng)
        name = f"scene-{i:04d}.{'jpg' if style.jpeg_quality else 'png'}"
        img = render(scene, rng, Style(canvas=style.canvas, noise=style.noise))
        if style.jpeg_quality:
            img.save(photos / name, "JPEG", quality=style.jpeg_quality)
        else:
            img.save(photos / name)
        captions[name] = caption(scene)
    render(REFERENCE_SCENE, rng, Style(canvas=128)).save(reference)
    write_bytes_atomic(manifest, json.dumps(captions, indent=1).encode("utf-8"))
    return DemoLibrary(photos, reference, captions)


def is_demo_folder(folder: str | Path) -> bool:
    """Whether ``folder`` holds the demo's scenes (it has their captions) rather than someone's photos."""
    try:
        return (Path(folder) / MANIFEST).is_file()
    except OSError:
        return False
