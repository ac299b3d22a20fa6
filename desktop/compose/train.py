"""Training a Combiner on frozen features (the CLIP4Cir recipe, second stage).

The encoder is frozen, so features are computed once (:func:`encode_triplets`) and training is only MLP
steps over three float arrays. Loss: cross-entropy of ``temperature * query @ normalize(targets).T``
within each batch (each query's own target is the positive, the batch's other targets the negatives;
a copy of the positive, when one target serves several queries of a batch, is left out, not punished).

Runs are reproducible: the weights are initialised from ``seed`` and every epoch draws its shuffle and
dropout from ``(seed, epoch)``, without touching the caller's random state. With ``checkpoint_path`` the
model, optimiser and history are saved atomically after each epoch, and a later call with the same data
and settings resumes after the last saved epoch (on CPU the result equals an uninterrupted run).
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from desktop.compose.combiner import Combiner, compose_query, sum_query
from desktop.compose.features import encode_triplets
from desktop.compose.metrics import recall_at_k
from desktop.errors import ReframeError, UsageError
from desktop.files import replace_with
from desktop.models.encoder import normalize

__all__ = [
    "DEFAULT_LR",
    "CombinerConfig",
    "TrainingCancelled",
    "encode_triplets",
    "evaluate_triplet_features",
    "kept_metrics",
    "train_combiner",
]

#: Higher than the paper's 2e-5 (tuned for d=640 and 100+ epochs on large batches): small Combiners on
#: a few thousand triplets reach a good optimum within tens of epochs at this rate.
DEFAULT_LR = 2e-4
DEFAULT_TEMPERATURE = 100.0
CHECKPOINT_FORMAT = "reframe-combiner-checkpoint-1"
LR_SCHEDULES = ("constant", "cosine")
VAL_KS = (1, 5, 10, 50)

Triplets = tuple[np.ndarray, np.ndarray, np.ndarray]
ProgressFn = Callable[[int, int, float, dict[str, float] | None], None]
CancelFlag = Callable[[], bool] | threading.Event


class TrainingCancelled(ReframeError):
    """Training stopped on request; the checkpoint (if any) holds the last finished epoch."""

    def __init__(self, epochs_done: int) -> None:
        super().__init__(f"Training cancelled after {epochs_done} finished epoch(s).")
        self.epochs_done = epochs_done


@dataclass(frozen=True)
class CombinerConfig:
    """How a Combiner is trained. A checkpoint resumes only under the same settings, ``epochs`` and
    ``keep_best`` aside (more epochs continue a run)."""

    epochs: int = 30
    batch_size: int = 512
    lr: float = DEFAULT_LR
    weight_decay: float = 0.0
    proj_dim: int | None = None  # the paper's 4 × the feature dimension when None
    hidden_dim: int | None = None  # the paper's 8 × the feature dimension when None
    temperature: float = DEFAULT_TEMPERATURE
    seed: int = 0
    #: > 1 keeps runs of that many consecutive triplets together in a batch (e.g. several edits of one
    #: reference: hard negatives).
    group_size: int = 1
    #: Also score each query against the batch's reference images, as negatives: an edit must move the
    #: query away from the picture it started from.
    reference_negatives: bool = False
    #: Return the epoch with the best mean of validation Recall@1/5/10 rather than the last.
    keep_best: bool = True
    #: "constant", or "cosine": each epoch's rate follows a half cosine from ``lr`` down to near zero at the
    #: last epoch, so the run ends on small steps instead of wherever the last large one landed.
    lr_schedule: str = "constant"


def train_combiner(
    ref_feats: np.ndarray,
    mod_feats: np.ndarray,
    tgt_feats: np.ndarray,
    config: CombinerConfig | None = None,
    *,
    val: Triplets | None = None,
    device: str | torch.device = "cpu",
    progress: ProgressFn | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
    cancel: CancelFlag | None = None,
) -> tuple[Combiner, list[dict[str, Any]]]:
    """Train a Combiner on (N, d) raw reference-image, modification-text and target-image features.

    ``val`` = (ref, mod, tgt) features is evaluated after every epoch (Recall@K against the distinct
    validation targets); ``config.keep_best`` picks the epoch returned by it.
    ``progress(epoch, step, loss, metrics)`` is called after every step with ``metrics=None`` and after
    every epoch with the mean loss and validation metrics. ``cancel`` (an Event or a callable) is checked
    between steps and raises :class:`TrainingCancelled`.

    Returns the Combiner (eval mode, on ``device``) and one history entry per epoch.
    """
    cfg = config or CombinerConfig()
    ref, mod, tgt = _check_triplets(ref_feats, mod_feats, tgt_feats, "training")
    if val is not None:
        val = _check_triplets(*val, "validation")
        if val[0].shape[1] != ref.shape[1]:
            raise UsageError("validation features have another dimension than the training features")
    if cfg.epochs < 1 or cfg.batch_size < 2:
        raise UsageError(f"need epochs >= 1 and batch_size >= 2, got {cfg.epochs} and {cfg.batch_size}")
    if cfg.lr_schedule not in LR_SCHEDULES:
        raise UsageError(f"unknown learning-rate schedule {cfg.lr_schedule!r}; one of {', '.join(LR_SCHEDULES)}")
    n, dim = ref.shape
    sizes = {"dim": dim, "proj_dim": cfg.proj_dim or 4 * dim, "hidden_dim": cfg.hidden_dim or 8 * dim}
    dev = torch.device(device)
    fingerprint = {
        **sizes,
        "n": n,
        "data": _digest(ref, mod, tgt),
        "seed": cfg.seed,
        "lr": cfg.lr,
        "weight_decay": cfg.weight_decay,
        "batch_size": cfg.batch_size,
        "temperature": cfg.temperature,
        "group_size": cfg.group_size,
        "reference_negatives": cfg.reference_negatives,
    }
    if cfg.lr_schedule != "constant":  # the rate of every epoch depends on how many there are
        fingerprint.update(lr_schedule=cfg.lr_schedule, epochs=cfg.epochs)

    with _seeded(cfg.seed, 0, dev):
        combiner = Combiner(**sizes).to(dev)
    optimizer = torch.optim.AdamW(combiner.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    history: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    start_epoch = 0
    ckpt = Path(checkpoint_path) if checkpoint_path is not None else None
    if ckpt is not None and ckpt.exists():
        state = _load_checkpoint(ckpt, fingerprint, dev)
        combiner.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        history, best, start_epoch = list(state["history"]), state["best"], int(state["epoch"])

    r, m, t = (torch.from_numpy(a).to(dev) for a in (ref, mod, tgt))
    batches = _Batches(
        r, m, F.normalize(t, dim=-1), F.normalize(r, dim=-1), torch.from_numpy(_row_ids(tgt)).to(dev), cfg
    )
    is_cancelled = _cancel_check(cancel)

    for epoch in range(start_epoch + 1, cfg.epochs + 1):
        began = time.perf_counter()
        combiner.train()
        for group in optimizer.param_groups:
            group["lr"] = epoch_lr(cfg, epoch)
        with _seeded(cfg.seed, epoch, dev):
            loss_sum, steps = batches.train_epoch(combiner, optimizer, epoch, progress, is_cancelled)
        entry: dict[str, Any] = {"epoch": epoch, "loss": float(loss_sum) / steps if steps else math.nan}
        if val is not None:
            entry["val"] = evaluate_triplet_features(*val, combiner=combiner)
            score = _selection_score(entry["val"])
            if cfg.keep_best and (best is None or score > best["score"]):
                best = {"score": score, "epoch": epoch, "model": _cpu_state(combiner)}
        entry["seconds"] = round(time.perf_counter() - began, 3)
        history.append(entry)
        if ckpt is not None:
            _save_checkpoint(ckpt, fingerprint, epoch, combiner, optimizer, history, best)
        if progress is not None:
            progress(epoch, steps, entry["loss"], {"loss": entry["loss"], **entry.get("val", {})})

    if cfg.keep_best and best is not None:
        combiner.load_state_dict(best["model"])
        for entry in history:
            entry["kept"] = entry["epoch"] == best["epoch"]
    return combiner.eval(), history


def kept_metrics(history: list[dict[str, Any]]) -> dict[str, float]:
    """The validation metrics of the epoch whose weights :func:`train_combiner` returned (the last one
    unless ``keep_best`` picked another); empty without validation."""
    kept = [h for h in history if h.get("kept")] or history[-1:]
    return dict(kept[0].get("val", {})) if kept else {}


def epoch_lr(cfg: CombinerConfig, epoch: int) -> float:
    """The learning rate of ``epoch`` (1-based) under ``cfg.lr_schedule``."""
    if cfg.lr_schedule == "cosine":
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / cfg.epochs))
    return cfg.lr


@dataclass
class _Batches:
    """The training triplets on the device, and one epoch of steps over them."""

    ref: torch.Tensor
    mod: torch.Tensor
    tgt_norm: torch.Tensor
    ref_norm: torch.Tensor
    target_id: torch.Tensor  # equal ids: the same target image
    cfg: CombinerConfig

    def train_epoch(
        self,
        combiner: Combiner,
        optimizer: torch.optim.Optimizer,
        epoch: int,
        progress: ProgressFn | None,
        is_cancelled: Callable[[], bool],
    ) -> tuple[torch.Tensor, int]:
        """The summed loss (left on the device) and the number of steps. Draws from the random state the
        caller seeded for this epoch: the shuffle first, then dropout."""
        cfg, dev = self.cfg, self.ref.device
        n = len(self.ref)
        labels = torch.arange(cfg.batch_size, device=dev)
        loss_sum, steps = torch.zeros((), device=dev), 0
        g = max(1, cfg.group_size)
        groups = torch.randperm(-(-n // g), device="cpu")
        order = (groups[:, None] * g + torch.arange(g)).reshape(-1)
        order = order[order < n].to(dev)
        for step, lo in enumerate(range(0, n, cfg.batch_size), start=1):
            if is_cancelled():
                raise TrainingCancelled(epoch - 1)
            idx = order[lo : lo + cfg.batch_size]
            if len(idx) < 2:  # a lone query has no negatives: nothing to learn
                continue
            query = combiner.combine(self.ref[idx], self.mod[idx])
            logits = cfg.temperature * query @ self.tgt_norm[idx].T
            # The same target image twice in a batch is not a negative of itself: leave it out.
            same = self.target_id[idx][:, None] == self.target_id[idx][None, :]
            same.fill_diagonal_(False)
            logits = logits.masked_fill(same, float("-inf"))
            if cfg.reference_negatives:
                logits = torch.cat([logits, cfg.temperature * query @ self.ref_norm[idx].T], dim=1)
            loss = F.cross_entropy(logits, labels[: len(idx)])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach()
            steps += 1
            if progress is not None:  # reading the loss waits for the device: only when asked
                progress(epoch, step, float(loss.detach()), None)
        return loss_sum, steps


def evaluate_triplet_features(
    ref: np.ndarray,
    mod: np.ndarray,
    tgt: np.ndarray,
    *,
    combiner: Combiner | None = None,
    ks: tuple[int, ...] = VAL_KS,
) -> dict[str, float]:
    """Recall@K of composed queries against the distinct target vectors (the sum baseline if no Combiner)."""
    query = compose_query(combiner, ref, mod) if combiner is not None else sum_query(ref, mod)
    gallery, target_idx = np.unique(normalize(tgt), axis=0, return_inverse=True)
    return recall_at_k(query, gallery, target_idx.reshape(-1), ks=ks)


def _selection_score(metrics: dict[str, float]) -> float:
    return float(np.mean([metrics[k] for k in ("recall@1", "recall@5", "recall@10") if k in metrics]))


def _check_triplets(ref: np.ndarray, mod: np.ndarray, tgt: np.ndarray, what: str) -> Triplets:
    arrays = tuple(np.ascontiguousarray(a, dtype=np.float32) for a in (ref, mod, tgt))
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1 or arrays[0].ndim != 2 or len(arrays[0]) == 0:
        raise UsageError(f"{what} features must be three non-empty (n, d) arrays, got {sorted(shapes)}")
    return arrays  # type: ignore[return-value]


def _row_ids(a: np.ndarray) -> np.ndarray:
    """One id per distinct row: equal ids mark the same target image."""
    _, ids = np.unique(a, axis=0, return_inverse=True)
    return ids.reshape(-1).astype(np.int64)


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        h.update(a.tobytes())
    return h.hexdigest()


@contextmanager
def _seeded(seed: int, epoch: int, device: torch.device) -> Iterator[None]:
    """Run a block with the torch RNGs seeded from (seed, epoch), restoring the caller's state after."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed((seed * 1_000_003 + epoch) % (2**63))
        yield


def _cancel_check(cancel: CancelFlag | None) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


def _cpu_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()}


def _save_checkpoint(
    path: Path,
    fingerprint: dict[str, Any],
    epoch: int,
    combiner: Combiner,
    optimizer: torch.optim.Optimizer,
    history: list[dict[str, Any]],
    best: dict[str, Any] | None,
) -> None:
    state = {
        "format": CHECKPOINT_FORMAT,
        "fingerprint": fingerprint,
        "epoch": epoch,
        "model": _cpu_state(combiner),
        "optimizer": optimizer.state_dict(),
        "history": history,
        "best": best,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_with(path, lambda tmp: torch.save(state, tmp))


def _load_checkpoint(path: Path, fingerprint: dict[str, Any], device: torch.device) -> dict[str, Any]:
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as e:  # torch raises several types for a truncated or foreign file
        raise UsageError(f"The training checkpoint {path} cannot be read: {e}", hint="Delete it to start over.") from e
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise UsageError(f"{path} is not a Combiner training checkpoint.", hint="Delete it to start over.")
    if state["fingerprint"] != fingerprint:
        changed = sorted(k for k in fingerprint if state["fingerprint"].get(k) != fingerprint[k])
        raise UsageError(
            f"The training checkpoint {path} belongs to another run (different {', '.join(changed)}).",
            hint="Use the same data and settings to resume, or delete the checkpoint to start over.",
        )
    return state
