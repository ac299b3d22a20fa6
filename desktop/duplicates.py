"""Near-duplicate photos: the same picture resized, recompressed, converted, lightly cropped or brightened,
burst neighbours, and byte-for-byte copies. Nothing is ever deleted here; this only reports.

Two stages:

1. Candidates from the stored vectors, with no re-encoding: each photo's nearest neighbours in the vector
   index (batched, all cores), kept when their cosine is at least ``threshold``. Byte-identical files (same
   content hash in the catalog) are always a pair.
2. A second check on the pictures themselves, because a CLIP-like vector says "same scene", not "same photo":
   a red circle and a blue circle on the same background are close vectors. Each candidate's file is read at
   low resolution (JPEG draft decode) into a ``FINGERPRINT`` x ``FINGERPRINT`` colour thumbnail, normalised
   for overall brightness and contrast; a pair stays when the thumbnails differ by at most ``max_distance``
   (the mean over pixels of the colour distance, in standard deviations). A changed colour, shape, size or
   background moves many thumbnail pixels; resizing, recompression, a light crop or brightening moves few.
   Tried on the calibration set and dropped: the 99th percentile or the maximum of a blurred difference
   map (P/R 0.95-0.97 against 0.97/0.97 for the mean).

Pairs are joined into groups (union-find); in each group the suggested keeper comes first: the most pixels,
then the largest file, then the oldest capture time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from desktop.catalog import queries
from desktop.catalog.queries import PhotoFacts
from desktop.errors import ImageError
from desktop.search.filtered import contains
from desktop.search.filters import Filters

if TYPE_CHECKING:
    from desktop.library import Library

#: Vector cosine for a candidate pair (shapes-tiny, measured in benchmarks/duplicates_quality.py).
DEFAULT_THRESHOLD = 0.85
#: Thumbnail distance for the second check (calibrated on a set made with seed 31; the benchmark reports
#: precision and recall on other seeds).
DEFAULT_MAX_DISTANCE = 0.27
FINGERPRINT = 24
NEIGHBOURS = 8
CHUNK = 4096


@dataclass(frozen=True)
class DuplicateReport:
    groups: list[list[PhotoFacts]]
    candidates: int  # pairs from the vectors and hashes
    checked: int  # pairs that went through the picture check
    kept: int  # pairs in the groups

    def to_json(self) -> list[list[dict[str, object]]]:
        return [
            [{"path": f.path, "size": f.size, "width": f.width, "height": f.height, "taken": f.taken} for f in g]
            for g in self.groups
        ]


def fingerprint(path: str) -> np.ndarray | None:
    """A small colour thumbnail, brightness- and contrast-normalised; None when the file cannot be read."""
    from desktop.ingest.decode import decode_image

    try:
        decoded = decode_image(path, target_size=FINGERPRINT * 2)
    except ImageError:
        return None
    thumb = decoded.image.resize((FINGERPRINT, FINGERPRINT), Image.Resampling.BOX)
    x = np.asarray(thumb, dtype=np.float32)
    return (x - x.mean()) / max(float(x.std()), 1.0)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over pixels of the colour distance between two fingerprints."""
    return float(np.mean(np.sqrt(np.sum((a - b) ** 2, axis=2))))


def candidate_pairs(lib: Library, ids: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    """Pairs ``(a, b)``, a < b, of photos among ``ids`` (ascending) whose vectors are at least ``threshold`` alike."""
    index = lib.vector_index
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(ids), CHUNK):
        found, vecs = lib.catalog.vectors(lib.model_name, ids[start : start + CHUNK])
        if len(found) == 0:
            continue
        labels, scores = index.neighbours(vecs, NEIGHBOURS + 1, ef=2 * NEIGHBOURS + 16)
        own = np.broadcast_to(found[:, None], labels.shape)
        keep = (scores >= threshold) & (labels != own)
        keep[keep] = contains(ids, labels[keep])  # the other photo passes the filters too
        a, b = own[keep], labels[keep]
        pairs.update(zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist(), strict=True))
    return pairs


def find_duplicates(
    lib: Library,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    folders: Iterable[str] = (),
    check: bool = True,
) -> DuplicateReport:
    """Only ids are held for the whole library (a million photos' full facts were ~2 GiB of Python objects);
    facts are read for the photos that end up in a candidate pair."""
    filters = Filters.parse(folders=list(folders))
    ids = queries.filtered_ids(lib.catalog, filters)
    same_bytes: set[tuple[int, int]] = set()
    for members in queries.same_hash_groups(lib.catalog, filters):
        same_bytes.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    candidates = candidate_pairs(lib, ids, threshold) if len(ids) else set()
    to_check = candidates - same_bytes
    by_id = queries.facts(lib.catalog, sorted({i for pair in candidates | same_bytes for i in pair}))
    prints: dict[int, np.ndarray | None] = {}

    def print_of(i: int) -> np.ndarray | None:
        if i not in prints:
            prints[i] = fingerprint(by_id[i].path)
        return prints[i]

    kept = {p for p in same_bytes if p[0] in by_id and p[1] in by_id}
    for a, b in sorted(to_check):
        if a not in by_id or b not in by_id:  # gone from the catalog meanwhile
            continue
        if not check:
            kept.add((a, b))
            continue
        fa, fb = print_of(a), print_of(b)
        if fa is not None and fb is not None and distance(fa, fb) <= max_distance:
            kept.add((a, b))
    groups = [sorted((by_id[i] for i in g), key=_keeper_order) for g in _union(kept)]
    groups.sort(key=lambda g: g[0].path)
    return DuplicateReport(groups, len(candidates | same_bytes), len(to_check) if check else 0, len(kept))


def _keeper_order(f: PhotoFacts) -> tuple[int, int, str, str]:
    return (-((f.width or 0) * (f.height or 0)), -f.size, f.taken or "9999", f.path)


def _union(pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in parent:
        groups.setdefault(root(x), []).append(x)
    return [sorted(g) for g in groups.values() if len(g) > 1]
