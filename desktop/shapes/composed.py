"""Composed-retrieval data on the shapes world: Combiner training triplets and the benchmark gallery.

Training triplets come in groups of edits of one reference (two edits of the same kind with different
values, plus edits of other kinds), so that a batch holds the hard negatives the benchmark asks about.

The benchmark gallery (seed never used in training) holds, for every query, the target, the reference, the
target with the edited attribute set to other values, and the reference with other edits. A hit is a
retrieved image that shows the target's scene (same objects, attributes and background; jitter ignored);
the reference image itself is excluded from its own ranking.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from desktop.compose.inference import Fusion, NumpyCombiner, QueryCombiner, compose_query, sum_query
from desktop.models.encoder import Encoder, normalize
from desktop.shapes.dataset import render_set, satisfied
from desktop.shapes.phrasings import HELD_OUT, HELD_OUT_BOOKS, Phrasebook, rephrase
from desktop.shapes.world import (
    BACKGROUNDS,
    COLOURS,
    EDIT_KINDS,
    PARTIAL_KINDS,
    SHAPES,
    Edit,
    Scene,
    apply_edit,
    describe,
    possible_edits,
    random_scene,
)

TRAIN_SEED = 2024
VAL_SEED = 3031
BENCH_SEED = 4242
TEXT_BENCH_SEED = 5353
HELD_OUT_SEED = 6464


# ------------------------------------------------------------------------------------------ triplets


@dataclass
class Triplets:
    refs: list[Scene]
    edits: list[Edit]

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.edits]


def make_triplets(
    n_refs: int, seed: int, per_ref: int = 4, *, phrasebook: Phrasebook | None = None, world_share: float = 0.4
) -> Triplets:
    """``n_refs`` references x ``per_ref`` edits in the world's phrasings; with ``phrasebook``, all but
    ``world_share`` of the edits are asked for in its words instead (same references, edits and targets:
    the rewording draws from a random state of its own)."""
    rng = random.Random(seed)
    refs: list[Scene] = []
    edits: list[Edit] = []
    for _ in range(n_refs):
        ref = random_scene(rng)
        kinds = possible_edits(ref)
        first = rng.choice(kinds)
        group = [apply_edit(ref, first, rng)]
        if first in ("colour", "shape", "background", "add"):
            group.append(apply_edit(ref, first, rng))  # same kind, most likely another value
        elif first == "remove":  # the other object goes: which one is the whole edit
            group.append(apply_edit(ref, first, rng, shape=group[0].target.objects[0].shape))
        while len(group) < per_ref:
            group.append(apply_edit(ref, rng.choice(kinds), rng))
        for e in group[:per_ref]:
            refs.append(ref)
            edits.append(e)
    if phrasebook is not None:
        words = random.Random(seed * 7919 + 1)
        edits = [
            e if words.random() < world_share else rephrase(r, e, phrasebook, words)
            for r, e in zip(refs, edits, strict=True)
        ]
    return Triplets(refs, edits)


def encode_scenes(encoder: Encoder, scenes: list[Scene], seed: int, batch: int = 512) -> np.ndarray:
    """Render each scene once (random style) and encode: raw (n, d) features."""
    rs = render_set(seed, 0, encoder.preprocess.size, scenes=scenes)
    return encode_pixels(encoder, rs.pixels, batch)


def encode_pixels(encoder: Encoder, pixels: np.ndarray, batch: int = 512) -> np.ndarray:
    """Encode uint8 (n, s, s, 3) pixels already at the model's input geometry: raw (n, d) features."""
    pre = encoder.preprocess
    out = [encoder.encode_images(pre.normalize(pixels[i : i + batch])) for i in range(0, len(pixels), batch)]
    return np.concatenate(out) if out else np.zeros((0, encoder.dim), np.float32)


def encode_texts(encoder: Encoder, texts: list[str]) -> np.ndarray:
    unique = sorted(set(texts))
    feats = encoder.encode_texts(unique)
    pos = {t: i for i, t in enumerate(unique)}
    return feats[[pos[t] for t in texts]]


def triplet_features(encoder: Encoder, tr: Triplets, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # A reference shared by a group is rendered once: its edits see the same picture, as a user's would.
    ref_ids: dict[int, int] = {}
    ref_scenes: list[Scene] = []
    for r in tr.refs:
        if id(r) not in ref_ids:
            ref_ids[id(r)] = len(ref_scenes)
            ref_scenes.append(r)
    ref_f = encode_scenes(encoder, ref_scenes, seed)
    tgt_f = encode_scenes(encoder, [e.target for e in tr.edits], seed + 1)
    mod_f = encode_texts(encoder, tr.texts)
    return ref_f[[ref_ids[id(r)] for r in tr.refs]], mod_f, tgt_f


# ----------------------------------------------------------------------------------------- benchmark


@dataclass
class Query:
    ref_index: int  # gallery index of the reference image
    edit: Edit


@dataclass
class ComposedBench:
    gallery: list[Scene] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)


def _value_variants(ref: Scene, edit: Edit, rng: random.Random, n: int) -> list[Scene]:
    """The target with the edited attribute set to other values."""
    out: list[Scene] = []
    if edit.kind == "colour":
        changed = next(o for o in edit.target.objects if o not in ref.objects)
        for c in rng.sample([c for c in COLOURS if c != changed.colour], n):
            out.append(apply_edit(edit.target, "colour", rng, shape=changed.shape, value=c).target)
    elif edit.kind == "shape":
        changed = next(o for o in edit.target.objects if o not in ref.objects)
        taken = {o.shape for o in edit.target.objects}
        for s in [s for s in SHAPES if s not in taken][:n]:
            out.append(apply_edit(edit.target, "shape", rng, shape=changed.shape, value=s).target)
    elif edit.kind == "size":
        out.append(ref)
    elif edit.kind == "background":
        for b in rng.sample([b for b in BACKGROUNDS if b != edit.target.background], min(n, 2)):
            out.append(Scene(b, edit.target.objects))
    elif edit.kind == "add":
        added = next(o for o in edit.target.objects if o not in ref.objects)
        for c in rng.sample([c for c in COLOURS if c != added.colour], 2):
            out.append(
                apply_edit(
                    ref, "add", rng, value=added.shape, colour=c, size=added.size, position=added.position
                ).target
            )
        other_size = "small" if added.size == "large" else "large"
        out.append(
            apply_edit(
                ref, "add", rng, value=added.shape, colour=added.colour, size=other_size, position=added.position
            ).target
        )
    elif edit.kind == "remove":
        kept = edit.target.objects[0]
        removed = next(o for o in ref.objects if o != kept)
        out.append(Scene(ref.background, (removed,)))
    return out


def build_benchmark(n_queries: int = 600, seed: int = BENCH_SEED, distractors: int = 3) -> ComposedBench:
    rng = random.Random(seed)
    bench = ComposedBench()
    for q in range(n_queries):
        kind = EDIT_KINDS[q % len(EDIT_KINDS)]
        ref = random_scene(rng, 1 if kind == "add" else (2 if kind == "remove" else None))
        edit = apply_edit(ref, kind, rng)
        ref_index = len(bench.gallery)
        bench.gallery.append(ref)
        bench.gallery.append(edit.target)
        bench.gallery.extend(_value_variants(ref, edit, rng, distractors))
        others = [k for k in possible_edits(ref) if k != kind]
        for k in rng.sample(others, min(2, len(others))):
            bench.gallery.append(apply_edit(ref, k, rng).target)
        bench.queries.append(Query(ref_index, edit))
    return bench


def _recalls(scores: np.ndarray, hits: np.ndarray, exclude: np.ndarray, ks: tuple[int, ...]) -> dict[str, np.ndarray]:
    scores = scores.copy()
    scores[np.arange(len(scores)), exclude] = -np.inf
    best_hit = np.where(hits, scores, -np.inf).max(axis=1)
    # rank of the best-scoring correct image = number of wrong images scoring at least as high
    better = ((scores >= best_hit[:, None]) & ~hits).sum(axis=1)
    return {f"R@{k}": (better < k).astype(np.float32) for k in ks}


def held_out_texts(bench: ComposedBench, seed: int = HELD_OUT_SEED, book: Phrasebook = HELD_OUT) -> list[str]:
    """Each query's edit asked for in a held-out phrasebook's words (never in any training set)."""
    rng = random.Random(seed)
    return [rephrase(bench.gallery[q.ref_index], q.edit, book, rng).text for q in bench.queries]


def evaluate_composed(
    encoder: Encoder,
    combiner: QueryCombiner | None,
    bench: ComposedBench,
    *,
    seed: int = BENCH_SEED,
    ks: tuple[int, ...] = (1, 5, 10),
    held_out: bool = False,
    fusion: Fusion | None = None,
) -> dict:
    """Recall@K of image-only, text-only, normalised sum and (if given) Combiner queries, and of the fused
    query (the Combiner's own fusion, or ``fusion``) when there is one.

    ``methods`` holds the world's phrasings; with ``held_out`` the same queries are asked again in the words
    of each held-out phrasebook (:data:`~desktop.shapes.phrasings.HELD_OUT_BOOKS`, :func:`held_out_texts`),
    under its name: ``held_out.methods`` and ``fresh.methods``.
    """
    gal_raw = encode_scenes(encoder, bench.gallery, seed + 7)
    gal = normalize(gal_raw)
    keys = [s.key() for s in bench.gallery]
    key_ids = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    gal_key = np.asarray([key_ids[k] for k in keys])
    ref_raw = gal_raw[[q.ref_index for q in bench.queries]]  # the very picture the user drops
    target_key = np.asarray([key_ids.get(q.edit.target.key(), -1) for q in bench.queries])
    hits = gal_key[None, :] == target_key[:, None]
    exclude = np.asarray([q.ref_index for q in bench.queries])
    kinds = np.asarray([q.edit.kind for q in bench.queries])
    fusion = fusion or (combiner.fusion if isinstance(combiner, NumpyCombiner) else None)

    def score(texts: list[str]) -> dict:
        txt_raw = encode_texts(encoder, texts)
        methods = {
            "image": normalize(ref_raw),
            "text": normalize(txt_raw),
            "sum": sum_query(ref_raw, txt_raw),
        }
        if combiner is not None:
            network = combiner.network if isinstance(combiner, NumpyCombiner) else combiner
            methods["combiner"] = compose_query(network, ref_raw, txt_raw)
            if fusion is not None:
                methods["fused"] = fusion.blend(methods["combiner"], methods["sum"])
        out: dict = {}
        for name, qv in methods.items():
            rec = _recalls(normalize(qv) @ gal.T, hits, exclude, ks)
            entry = {"overall": {k: float(v.mean()) for k, v in rec.items()}}
            for kind in EDIT_KINDS:
                sel = kinds == kind
                entry[kind] = {k: float(v[sel].mean()) for k, v in rec.items()}
            out[name] = entry
        return out

    report: dict = {"queries": len(bench.queries), "gallery": len(bench.gallery)}
    report["methods"] = score([q.edit.text for q in bench.queries])
    if held_out:
        for book in HELD_OUT_BOOKS:  # under "held_out" and "fresh"
            texts = held_out_texts(bench, book=book)
            key = book.name.replace("-", "_")
            report[key] = {"phrasebook": book.name, "examples": texts[:12], "methods": score(texts)}
    return report


def evaluate_text(encoder: Encoder, *, n_gallery: int = 2000, per_kind: int = 100, seed: int = TEXT_BENCH_SEED) -> dict:
    """Precision@10 of text queries of each kind on a fresh gallery (a hit satisfies the query)."""
    rng = random.Random(seed)
    scenes = [random_scene(rng) for _ in range(n_gallery)]
    rs = render_set(seed, 0, encoder.preprocess.size, scenes=scenes)
    gal = normalize(encode_pixels(encoder, rs.pixels))
    report = {}
    for kind in PARTIAL_KINDS:
        qs = [describe(scenes[rng.randrange(n_gallery)], kind, rng) for _ in range(per_kind)]
        txt = normalize(encoder.encode_texts([q.text for q in qs]))
        top = np.argsort(-(txt @ gal.T), axis=1)[:, :10]
        sat = satisfied(qs, rs.codes)
        # Precision@10 over min(10, relevant): a full caption usually has a single matching image in the
        # gallery, and finding it first should score 1, not 0.1.
        relevant = np.maximum(1, np.minimum(10, sat.sum(axis=1)))
        report[kind] = {
            "P@10": float(np.mean([sat[i, top[i]].sum() / relevant[i] for i in range(len(qs))])),
            "chance": float(sat.mean()),
        }
    return report
