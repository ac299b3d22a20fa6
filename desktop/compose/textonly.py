"""Training a Combiner from text alone: captions stand in for photos (the idea behind LinCIR, Gu et al. 2024).

A triplet is (reference caption, modification, target caption). The backbone's text encoder turns all
three into features, and the Combiner is trained on them exactly as on image features
(:func:`desktop.compose.train.train_combiner`). At search time it gets a real *image* as the reference, so
the reference captions are made to look more like image features first, by a **bridge**:

- ``"none"``: the caption features as they are;
- ``"noise"``: Gaussian noise on each reference feature, of norm ``noise`` x its norm (LinCIR adds noise
  so that the Combiner cannot rely on details of text features that image features lack);
- ``"meanshift"``: the modality gap removed on average: ``mean(image features) - mean(text features)`` is
  added to the references and the targets;
- ``"coral"``: the gap removed up to second order (CORAL, Sun et al. 2016): caption features are
  whitened with their own covariance and coloured with that of image features, and get the image mean.

The bridges that need image statistics estimate them from the user's indexed photos (the catalog), or for
the shapes world from rendered scenes. Any bridge but "none" may add noise on top (``noise``, with a
default per bridge). On shapes-tiny the caption and image features of a scene differ by far more than
noise covers (image features have about twice the spread), and "coral" is what brings a text-trained
Combiner near an image-trained one (composed R@1 0.905 against 0.962 image-trained and 0.445 for the sum;
none 0.30, noise 0.38, meanshift 0.46 at 12 epochs); see benchmarks/textonly_combiner.py.

Caption features are encoded once per distinct text, in batches, into a cache file that survives an
interruption; training resumes from its checkpoint. The weights get a card that says how they were made.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from desktop.compose.phrasebook import CaptionTriplet
from desktop.errors import UsageError
from desktop.files import replace_with
from desktop.models.encoder import Encoder

BRIDGES: tuple[str, ...] = ("none", "noise", "meanshift", "coral")
#: Noise on the references (norm relative to the feature norm) per bridge, tuned on shapes-tiny
#: (benchmarks/textonly_combiner.py).
DEFAULT_NOISE: dict[str, float] = {"none": 0.0, "noise": 1.5, "meanshift": 1.0, "coral": 0.25}
#: Fewer indexed photos than this give too rough an estimate for the image-statistics bridges.
MIN_IMAGES = 32
#: At most this many indexed vectors are read to estimate them.
MAX_IMAGES = 20_000
CACHE_FORMAT = "reframe-caption-cache-1"

#: ``progress(stage, done, total, metrics)``: stage "encoding" (texts) or "training" (epochs).
StageProgress = Callable[[str, int, int, dict[str, float] | None], None]
CancelFlag = Callable[[], bool] | threading.Event


# ------------------------------------------------------------------------------------------ bridges


@dataclass(frozen=True)
class FeatureStats:
    """Mean and covariance of raw features (of the user's photos, or of captions)."""

    mean: np.ndarray  # (d,)
    cov: np.ndarray  # (d, d)
    count: int

    @classmethod
    def of(cls, feats: np.ndarray) -> FeatureStats:
        x = np.asarray(feats, dtype=np.float64)
        if x.ndim != 2 or len(x) < 2:
            raise ValueError(f"need at least two (n, d) feature rows, got shape {x.shape}")
        return cls(x.mean(axis=0).astype(np.float32), np.cov(x, rowvar=False).astype(np.float32), len(x))

    def shrunk_cov(self) -> np.ndarray:
        """The covariance pulled towards its mean variance, the more so the fewer samples per dimension."""
        d = len(self.mean)
        shrink = max(0.05, d / (self.count + d))
        c = self.cov.astype(np.float64)
        return (1 - shrink) * c + shrink * (np.trace(c) / d) * np.eye(d)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, mean=self.mean, cov=self.cov, count=np.array(self.count))

    @classmethod
    def load(cls, path: Path) -> FeatureStats:
        with np.load(path, allow_pickle=False) as f:
            return cls(f["mean"], f["cov"], int(f["count"]))


@dataclass(frozen=True)
class Bridge:
    """How caption features are made to stand in for image features (see the module docstring).

    ``image``: statistics of raw image features ("meanshift", "coral"); ``text``: those of caption
    features (default: of the distinct captions being bridged); ``noise``: default per kind.
    """

    kind: str = "noise"
    noise: float | None = None
    image: FeatureStats | None = None
    text: FeatureStats | None = None

    def __post_init__(self) -> None:
        if self.kind not in BRIDGES:
            raise UsageError(f"Unknown bridge {self.kind!r}.", hint=f"Use one of: {', '.join(BRIDGES)}.")
        if self.kind in ("meanshift", "coral") and self.image is None:
            raise UsageError(f"The {self.kind} bridge needs statistics of image features (index some photos first).")
        if self.noise is None:
            object.__setattr__(self, "noise", DEFAULT_NOISE[self.kind])
        if self.sigma < 0:
            raise UsageError(f"noise must be >= 0, got {self.noise}")

    @property
    def sigma(self) -> float:
        return float(self.noise or 0.0)

    def apply(self, ref: np.ndarray, tgt: np.ndarray, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(n, d) reference and target caption features -> what the Combiner trains on (new arrays)."""
        ref = np.array(ref, dtype=np.float32)
        tgt = np.array(tgt, dtype=np.float32)
        if self.kind in ("meanshift", "coral"):
            mapping = self.mapping(ref, tgt)
            ref, tgt = mapping(ref), mapping(tgt)
        if self.kind != "none" and self.sigma > 0:
            rng = np.random.default_rng(seed)
            eps = rng.standard_normal(ref.shape, dtype=np.float32)
            ref += self.sigma * np.linalg.norm(ref, axis=1, keepdims=True) / np.sqrt(ref.shape[1]) * eps
        return ref, tgt

    def mapping(self, ref: np.ndarray, tgt: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """The map from caption features to image-like ones: a shift ("meanshift") or an affine map
        that gives captions the mean and covariance of images ("coral", Sun et al. 2016)."""
        assert self.image is not None
        text = self.text or FeatureStats.of(np.unique(np.concatenate([ref, tgt]), axis=0))
        mu_t, mu_i = text.mean.astype(np.float32), self.image.mean.astype(np.float32)
        if self.kind == "meanshift":
            shift = mu_i - mu_t
            return lambda x: (x + shift).astype(np.float32)
        a = (_sqrtm(text.shrunk_cov(), inverse=True) @ _sqrtm(self.image.shrunk_cov())).astype(np.float32)
        return lambda x: ((x - mu_t) @ a + mu_i).astype(np.float32)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "noise": self.sigma}
        if self.image is not None and self.kind in ("meanshift", "coral"):
            out["image_count"] = self.image.count
            out["image_mean_norm"] = round(float(np.linalg.norm(self.image.mean)), 4)
        return out


def _sqrtm(c: np.ndarray, *, inverse: bool = False) -> np.ndarray:
    w, v = np.linalg.eigh(c)
    w = np.maximum(w, 1e-6 * w.max())
    return (v * w ** (-0.5 if inverse else 0.5)) @ v.T


def image_stats_from_catalog(catalog: Any, model: str, *, minimum: int | None = None) -> FeatureStats:
    """Statistics of ``model``'s raw vectors of the photos indexed in ``catalog`` (a :class:`Catalog`);
    a seeded sample of :data:`MAX_IMAGES` of them in a large library."""
    minimum = MIN_IMAGES if minimum is None else minimum
    ids = catalog.ids_with_vectors(model)
    if len(ids) < minimum:
        raise UsageError(
            f"Bridging text to images needs at least {minimum} photos indexed with {model}; "
            f"the library has {len(ids)}.",
            hint="Index some photos first, or use --bridge noise.",
        )
    if len(ids) > MAX_IMAGES:
        ids = np.sort(np.random.default_rng(0).choice(ids, MAX_IMAGES, replace=False))
    _, vecs = catalog.vectors(model, ids.tolist())
    return FeatureStats.of(vecs)


def image_stats_from_shapes(encoder: Encoder, n: int = 1000, seed: int = 777) -> FeatureStats:
    """Statistics of the raw image features of ``n`` rendered random shapes scenes (for shapes-tiny)."""
    import random

    from desktop.shapes.composed import encode_scenes
    from desktop.shapes.world import random_scene

    rng = random.Random(seed)
    return FeatureStats.of(encode_scenes(encoder, [random_scene(rng) for _ in range(n)], seed))


# ---------------------------------------------------------------------------------- caption features


def encode_captions(
    encoder: Encoder,
    texts: Sequence[str],
    *,
    cache_path: str | os.PathLike[str] | None = None,
    batch_size: int = 256,
    flush_every: int = 4096,
    progress: StageProgress | None = None,
    cancel: CancelFlag | None = None,
) -> dict[str, np.ndarray]:
    """Raw features of each distinct text, encoded in batches.

    With ``cache_path`` the features are saved there (float16) every ``flush_every`` texts and at the end,
    and a later call picks up what is there: an interrupted run loses at most one flush of work. Features
    always go through float16, cached or not, so that a resumed run trains on the very same numbers.
    """
    unique = list(dict.fromkeys(texts))
    cache = Path(cache_path) if cache_path is not None else None
    known = _read_cache(cache, encoder.name) if cache is not None else {}
    todo = [t for t in unique if t not in known]
    from desktop.compose.train import _cancel_check  # one definition of what a cancel flag is

    is_cancelled = _cancel_check(cancel)
    since_flush = 0
    done = len(unique) - len(todo)
    if progress is not None:
        progress("encoding", done, len(unique), None)
    for start in range(0, len(todo), batch_size):
        if is_cancelled():
            if cache is not None:
                _write_cache(cache, encoder.name, known)
            from desktop.compose.train import TrainingCancelled

            raise TrainingCancelled(0)
        chunk = todo[start : start + batch_size]
        feats = np.asarray(encoder.encode_texts(chunk), dtype=np.float32).astype(np.float16)
        known.update(zip(chunk, feats, strict=True))
        done += len(chunk)
        since_flush += len(chunk)
        if cache is not None and since_flush >= flush_every:
            _write_cache(cache, encoder.name, known)
            since_flush = 0
        if progress is not None:
            progress("encoding", done, len(unique), None)
    if cache is not None and since_flush:
        _write_cache(cache, encoder.name, known)
    return {t: known[t].astype(np.float32) for t in unique}


def triplet_arrays(
    triplets: Sequence[CaptionTriplet], feats: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, d) reference, modification and target features of the triplets."""
    return tuple(  # type: ignore[return-value]
        np.stack([feats[getattr(t, f)] for t in triplets]) for f in ("reference", "modification", "target")
    )


def all_texts(*groups: Sequence[CaptionTriplet]) -> list[str]:
    return [s for g in groups for t in g for s in (t.reference, t.modification, t.target)]


def _read_cache(path: Path, model: str) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["format"]) != CACHE_FORMAT or str(data["model"]) != model:
                return {}
            return dict(zip(data["texts"].tolist(), data["feats"], strict=True))
    except (OSError, ValueError, KeyError):
        return {}  # a broken cache is only lost time: encode again


def _write_cache(path: Path, model: str, feats: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = list(feats)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(
                f,
                format=np.array(CACHE_FORMAT),
                model=np.array(model),
                texts=np.array(texts, dtype=np.str_),
                feats=np.stack([feats[t] for t in texts]).astype(np.float16),
            )

    replace_with(path, write)


# ------------------------------------------------------------------------------------------ training


@dataclass(frozen=True)
class TextOnlyConfig:
    epochs: int = 30  # Recall@1 still rises from 20 to 30 epochs (benchmarks/README.md, textonly_combiner.py)
    batch_size: int = 512
    lr: float = 1e-3
    proj_dim: int | None = None  # Combiner projection; default 2 x feature dim
    hidden_dim: int | None = None  # Combiner hidden layer; default 4 x feature dim
    group_size: int = 4  # edits per reference, kept together in a batch (hard negatives)
    reference_negatives: bool = True  # an edit must move the query away from its reference
    seed: int = 0
    keep_best: bool = False  # the validation set is captions, not photos: its best epoch is no better guide


def train_text_only(
    encoder: Encoder,
    triplets: Sequence[CaptionTriplet],
    bridge: Bridge,
    *,
    config: TextOnlyConfig | None = None,
    val: Sequence[CaptionTriplet] | None = None,
    work_dir: str | os.PathLike[str] | None = None,
    progress: StageProgress | None = None,
    cancel: CancelFlag | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Train a Combiner on caption triplets; returns it (eval mode, CPU) and the card for its weights.

    ``work_dir`` holds the caption cache and the training checkpoint: a later call with the same inputs
    resumes there. ``val`` (held-out caption triplets, same bridge) is scored after every epoch.
    """
    from desktop.compose.train import CombinerConfig, train_combiner

    cfg = config or TextOnlyConfig()
    if len(triplets) < 2:
        raise UsageError("need at least two caption triplets to train")
    work = Path(work_dir) if work_dir is not None else None
    t0 = time.perf_counter()
    feats = encode_captions(
        encoder,
        all_texts(triplets, val or ()),
        cache_path=work / "captions.npz" if work else None,
        progress=progress,
        cancel=cancel,
    )
    encode_s = time.perf_counter() - t0
    ref, mod, tgt = triplet_arrays(triplets, feats)
    ref, tgt = bridge.apply(ref, tgt, seed=cfg.seed)
    val_arrays = None
    if val:
        vref, vmod, vtgt = triplet_arrays(val, feats)
        vref, vtgt = bridge.apply(vref, vtgt, seed=cfg.seed + 1)
        val_arrays = (vref, vmod, vtgt)

    def on_step(epoch: int, step: int, loss: float, metrics: dict[str, float] | None) -> None:
        if progress is not None and metrics is not None:
            progress("training", epoch, cfg.epochs, metrics)

    dim = ref.shape[1]
    t1 = time.perf_counter()
    training = CombinerConfig(
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        proj_dim=cfg.proj_dim or 2 * dim,
        hidden_dim=cfg.hidden_dim or 4 * dim,
        seed=cfg.seed,
        group_size=cfg.group_size,
        reference_negatives=cfg.reference_negatives,
        keep_best=cfg.keep_best,
    )
    combiner, history = train_combiner(
        ref,
        mod,
        tgt,
        training,
        val=val_arrays,
        device=_train_device(encoder),
        progress=on_step,
        checkpoint_path=_checkpoint(work, bridge, cfg, len(triplets)) if work else None,
        cancel=cancel,
    )
    card = {
        "backbone": encoder.name,
        "recipe": "text-only (LinCIR-style): caption triplets through the backbone's text encoder",
        "bridge": bridge.describe(),
        "data_seed": cfg.seed,
        "triplets": len(triplets),
        "distinct_texts": len(feats),
        "epochs": cfg.epochs,
        "lr": cfg.lr,
        "batch_size": cfg.batch_size,
        "group_size": cfg.group_size,
        "reference_negatives": cfg.reference_negatives,
        "encode_seconds": round(encode_s, 1),
        "train_seconds": round(time.perf_counter() - t1, 1),
        "metrics": {"caption_val": history[-1].get("val", {})} if history else {},
    }
    return combiner.cpu().eval(), card


def _checkpoint(work: Path, bridge: Bridge, cfg: TextOnlyConfig, n: int) -> Path:
    """The checkpoint of this run's settings; those of other settings in ``work`` are stale: removed."""
    key = json.dumps([bridge.describe(), asdict(cfg), n], sort_keys=True)
    path = work / f"train-{hashlib.blake2b(key.encode(), digest_size=6).hexdigest()}.ckpt"
    for old in work.glob("train-*.ckpt"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def _train_device(encoder: Encoder) -> str:
    """The encoder's torch device when it has one (CUDA, MPS), else the CPU."""
    return encoder.device if encoder.device.startswith(("cuda", "mps")) else "cpu"


# ------------------------------------------------------------------------------------- for a library

SHAPES_MODEL = "shapes-tiny"
#: Validation captions are drawn from this far past the training seed.
VAL_SEED_OFFSET = 1_000_003


def caption_source(model_name: str, refs: int, seed: int = 0) -> tuple[list[CaptionTriplet], list[CaptionTriplet], str]:
    """Training and validation caption triplets for a backbone, and a line for the card.

    shapes-tiny gets the shapes world's captions (its text encoder knows no other words); every other
    backbone gets the photo phrasebook. ``refs`` reference captions x 4 edits each.
    """
    if model_name == SHAPES_MODEL:
        from desktop.compose.phrasebook.shapes import shapes_triplets
        from desktop.shapes.composed import TRAIN_SEED, VAL_SEED

        train = shapes_triplets(refs, TRAIN_SEED + seed)
        val = shapes_triplets(max(100, refs // 20), VAL_SEED, per_ref=1)
        return train, val, f"shapes-world captions, {refs} references x 4 edits (seed {TRAIN_SEED + seed})"
    from desktop.compose.phrasebook import photo_triplets

    train = photo_triplets(refs, seed)
    val = photo_triplets(max(100, refs // 20), seed + VAL_SEED_OFFSET, per_ref=1)
    return train, val, f"photo phrasebook, {refs} references x 4 edits (seed {seed})"


def library_bridge(lib: Any, kind: str | None, encoder: Encoder, work: Path | None = None) -> Bridge:
    """The bridge ``kind`` for a library; None picks "coral" when the library's photos allow, else "noise".

    Image statistics come from the library's indexed photos (for shapes-tiny, from rendered scenes when
    the library has too few). They are kept in ``work`` so that a resumed run trains on the same numbers
    even if photos were indexed in between.
    """
    if kind not in (None, "meanshift", "coral"):
        return Bridge(kind)
    saved = work / "image_stats.npz" if work is not None else None
    if saved is not None and saved.is_file():
        return Bridge(kind or "coral", image=FeatureStats.load(saved))
    try:
        stats = image_stats_from_catalog(lib.catalog, lib.model_name)
    except UsageError:
        if lib.model_name == SHAPES_MODEL:
            stats = image_stats_from_shapes(encoder)
        elif kind is None:
            return Bridge("noise")
        else:
            raise
    if saved is not None:
        stats.save(saved)
    return Bridge(kind or "coral", image=stats)


def library_combiner_path(lib: Any) -> Path:
    """Where :func:`train_for_library` puts the active backbone's Combiner (found before a bundled one)."""
    from desktop.compose.weights import FILE_NAME, combiner_dir

    return combiner_dir(lib.paths.combiners, lib.model_name) / FILE_NAME


def _work_dir(path: Path) -> Path:
    return path.with_name(path.stem + ".textonly-work")


def interrupted(lib: Any) -> bool:
    """Whether a text-only training run for the active backbone was stopped part-way (and can resume)."""
    return _work_dir(library_combiner_path(lib)).is_dir()


def train_for_library(
    lib: Any,
    *,
    bridge: str | None = None,
    refs: int = 5000,
    config: TextOnlyConfig | None = None,
    out: str | os.PathLike[str] | None = None,
    progress: StageProgress | None = None,
    cancel: CancelFlag | None = None,
) -> Path:
    """Train the active backbone's Combiner from text and install it where the library looks first.

    ``bridge``: one of :data:`BRIDGES`, or None for the best one the library allows (see
    :func:`library_bridge`).

    Safe to run in the background: ``cancel`` stops it between batches (the caption cache and the last
    finished epoch are kept beside the output, and the next call resumes), and the library uses the new
    Combiner for the next composed search once it is written.
    """
    from desktop.compose.weights import save_combiner

    encoder = lib.load_model()
    cfg = config or TextOnlyConfig()
    train, val, source = caption_source(lib.model_name, refs, cfg.seed)
    path = Path(out) if out is not None else library_combiner_path(lib)
    work = _work_dir(path)
    combiner, card = train_text_only(
        encoder,
        train,
        library_bridge(lib, bridge, encoder, work),
        config=cfg,
        val=val,
        work_dir=work,
        progress=progress,
        cancel=cancel,
    )
    card["source"] = source
    saved = save_combiner(path, combiner, card)
    shutil.rmtree(work, ignore_errors=True)
    lib.reload_combiner()
    return saved
