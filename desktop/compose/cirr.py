"""CIRR (Liu et al., ICCV 2021) annotations and its standard metrics for composed retrieval.

Two JSON files describe a split: ``cap.rc2.<split>.json`` lists the triplets (reference image, relative
caption, target image, and the image set of six near-identical photos the pair was drawn from), and
``split.rc2.<split>.json`` maps every image name of the split to its path in the official layout
(``./dev/dev-244-0-img0.png``). Images are found in one folder, by file name or by that relative path.

Evaluation follows the official protocol: Recall@K ranks the target among all available split images
with the reference removed; Recall_subset@K ranks it among the other members of its image set. With
only part of the images present, the gallery (and any image set) is what is there; the counts say so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from desktop.compose.features import encode_image_keys, encode_text_list
from desktop.compose.inference import QueryCombiner, compose_query, sum_query
from desktop.compose.metrics import recall_at_k, recall_subset_at_k
from desktop.errors import ImageError, UsageError
from desktop.models.encoder import Encoder, normalize

RECALL_KS = (1, 5, 10, 50)
SUBSET_KS = (1, 2, 3)


@dataclass(frozen=True)
class CirrTriplet:
    pairid: int
    reference: str
    caption: str
    target: str | None  # None in the test split, whose targets are hidden
    members: tuple[str, ...]


@dataclass(frozen=True)
class CirrSet:
    triplets: tuple[CirrTriplet, ...]  # every triplet of the captions file
    images: dict[str, Path]  # split image name -> file found on disk
    split_size: int  # images the split file lists

    @property
    def complete(self) -> list[CirrTriplet]:
        """Triplets whose reference and target images are both on disk."""
        return [
            t for t in self.triplets if t.target is not None and t.reference in self.images and t.target in self.images
        ]

    def counts(self) -> dict[str, int]:
        complete = self.complete
        return {
            "triplets_total": len(self.triplets),
            "triplets_with_images": len(complete),
            "triplets_with_full_subset": sum(all(m in self.images for m in t.members) for t in complete),
            "gallery_size": len(self.images),
            "split_images": self.split_size,
        }


def load_cirr(
    annotations: str | os.PathLike[str], splits: str | os.PathLike[str], images: str | os.PathLike[str]
) -> CirrSet:
    """Read a captions file and a split file, and find the split's images in ``images``."""
    caps = _read_json(Path(annotations), list, "CIRR captions")
    split = _read_json(Path(splits), dict, "CIRR image split")
    folder = Path(images)
    if not folder.is_dir():
        raise UsageError(f"The CIRR image folder {folder} does not exist.")
    try:
        triplets = tuple(_triplet(item) for item in caps)
    except (KeyError, TypeError, ValueError) as e:
        raise UsageError(f"{annotations} is not a CIRR captions file: bad entry ({e}).") from e
    return CirrSet(triplets=triplets, images=_find_images(split, folder), split_size=len(split))


def evaluate_cirr(
    encoder: Encoder,
    combiner: QueryCombiner | None,
    compose: Literal["combiner", "sum"],
    cirr_set: CirrSet,
    *,
    batch_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Recall@1/5/10/50 and Recall_subset@1/2/3 (fractions) of the complete triplets, plus the counts.

    ``compose="combiner"`` needs a Combiner built for ``encoder``; ``"sum"`` is the training-free
    baseline. ``progress(done, total)`` reports encoded gallery images.
    """
    if compose == "combiner":
        if combiner is None:
            raise UsageError("Evaluating with the Combiner needs Combiner weights for this model.")
        if combiner.dim != encoder.dim:
            raise UsageError(f"The Combiner expects {combiner.dim}-d features; {encoder.name} gives {encoder.dim}.")
    elif compose != "sum":
        raise UsageError(f"Unknown way to compose queries: {compose!r} (use 'combiner' or 'sum').")
    complete = cirr_set.complete
    if not complete:
        raise UsageError(
            "No CIRR triplet has both its reference and target image in the image folder.",
            hint="Point --images at the folder holding the split's images (e.g. dev/ for the validation split).",
        )
    names, gallery = encode_image_keys(encoder, sorted(cirr_set.images), _loader(cirr_set), batch_size, progress)
    row = {n: i for i, n in enumerate(names)}
    texts = encode_text_list(encoder, (t.caption for t in complete))
    ref_idx = np.array([row[t.reference] for t in complete])
    tgt_idx = np.array([row[t.target] for t in complete if t.target is not None])
    mods = np.stack([texts[t.caption] for t in complete])
    if compose == "combiner" and combiner is not None:
        queries = compose_query(combiner, gallery[ref_idx], mods)
    else:
        queries = sum_query(gallery[ref_idx], mods)
    unit_gallery = normalize(gallery)
    subsets = [[row[m] for m in t.members if m in row] for t in complete]
    return {
        **recall_at_k(queries, unit_gallery, tgt_idx, ref_idx, ks=RECALL_KS),
        **recall_subset_at_k(queries, unit_gallery, tgt_idx, subsets, ref_idx, ks=SUBSET_KS),
        **cirr_set.counts(),
    }


def _triplet(item: dict[str, Any]) -> CirrTriplet:
    target = item.get("target_hard")
    return CirrTriplet(
        pairid=int(item["pairid"]),
        reference=str(item["reference"]),
        caption=str(item["caption"]),
        target=str(target) if target else None,
        members=tuple(str(m) for m in item["img_set"]["members"]),
    )


def _find_images(split: dict[str, str], folder: Path) -> dict[str, Path]:
    by_file_name = {e.name: Path(e.path) for e in os.scandir(folder) if e.is_file()}
    found: dict[str, Path] = {}
    for name, rel in split.items():
        rel_path = Path(str(rel))
        path = by_file_name.get(rel_path.name)
        if path is None:
            candidate = folder / rel_path
            path = candidate if candidate.is_file() else None
        if path is not None:
            found[str(name)] = path
    return found


def _loader(cirr_set: CirrSet) -> Callable[[str], Image.Image]:
    def load(name: str) -> Image.Image:
        path = cirr_set.images[name]
        try:
            img = Image.open(path)
        except (OSError, ValueError) as e:
            raise ImageError(f"cannot read {path}: {e}") from e
        try:
            img.load()
        except (OSError, ValueError) as e:
            img.close()
            raise ImageError(f"cannot read {path}: {e}") from e
        return img

    return load


def _read_json(path: Path, kind: type, what: str) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise UsageError(f"The {what} file {path} does not exist.") from e
    except (OSError, ValueError) as e:
        raise UsageError(f"The {what} file {path} cannot be read: {e}") from e
    if not isinstance(data, kind):
        raise UsageError(f"{path} is not a {what} file (expected a JSON {kind.__name__}).")
    return data
