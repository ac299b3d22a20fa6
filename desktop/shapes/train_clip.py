"""Train ``shapes-tiny`` with the CLIP contrastive loss on rendered scenes and their captions.

Recipe (seeded, reproducible on CPU):
- a pool of rendered scenes with random styles (canvas size, noise, JPEG quality, jitter);
- each step pairs every image with a caption of a random kind: the full caption or a partial one
  ("a red circle", "a star on black", "two shapes on beige"), and adds full captions of *hard negatives*
  (the same scene with one attribute changed) to the text side;
- the loss is CLIP's symmetric cross-entropy with **multi-positive targets**: a partial caption is true of
  every image in the batch that satisfies it, so those images share the target mass instead of being
  pushed away as negatives.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from desktop import log
from desktop.files import replace_with
from desktop.models.transform import Preprocess
from desktop.shapes.dataset import RenderedSet, render_set, satisfied
from desktop.shapes.model import MODEL_CFG, build_model, write_config
from desktop.shapes.world import PARTIAL_KINDS, Query, caption, describe, hard_negative

logger = log.get("shapes.train")


@dataclass
class TrainConfig:
    seed: int = 1234
    pool: int = 60_000
    steps: int = 2000
    batch: int = 256
    hard_negatives: int = 128  # extra full captions of near-miss scenes per step
    full_caption_share: float = 0.4
    lr: float = 1e-3
    warmup: int = 100
    weight_decay: float = 0.1
    workers: int = 2


def _queries_for(rs: RenderedSet, idx: np.ndarray, cfg: TrainConfig, rng: random.Random) -> list[Query]:
    partial = [k for k in PARTIAL_KINDS if k != "full"]
    out = []
    for i in idx:
        kind = "full" if rng.random() < cfg.full_caption_share else rng.choice(partial)
        out.append(describe(rs.scenes[i], kind, rng))
    for i in rng.sample(list(idx), min(cfg.hard_negatives, len(idx))):
        neg = hard_negative(rs.scenes[i], rng)
        out.append(Query("full", caption(neg, rng), scene=neg))
    return out


def _lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def _save_weights(model, out_dir: Path, seed: int) -> None:
    """Write config + float16 weights atomically (also used for mid-run snapshots)."""
    import torch
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    write_config(out_dir)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    metadata = {"model": "shapes-tiny", "seed": str(seed)}
    replace_with(out_dir / "model.safetensors", lambda tmp: save_file(state, str(tmp), metadata=metadata))


def train(
    out_dir: Path,
    cfg: TrainConfig | None = None,
    *,
    progress: Callable[[int, int, float], None] | None = None,
    checkpoint_every: int = 0,
) -> dict:
    """Train and write ``open_clip_config.json``, ``model.safetensors`` and ``training.json`` to ``out_dir``."""
    import open_clip
    import torch
    import torch.nn.functional as F

    cfg = cfg or TrainConfig()
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    np_rng = np.random.default_rng(cfg.seed)
    size = MODEL_CFG["vision_cfg"]["image_size"]
    pre = Preprocess(size)
    t0 = time.time()
    rs = render_set(cfg.seed, cfg.pool, size, workers=cfg.workers)
    logger.info("rendered %d scenes in %.0f s", len(rs.scenes), time.time() - t0)
    mean = torch.tensor(pre.mean).view(1, 3, 1, 1)
    std = torch.tensor(pre.std).view(1, 3, 1, 1)

    model = build_model()
    model.train()
    tokenizer = open_clip.tokenizer.SimpleTokenizer(context_length=MODEL_CFG["text_cfg"]["context_length"])
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "logit_scale" not in n]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2 or "logit_scale" in n]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        betas=(0.9, 0.98),
        eps=1e-6,
    )
    history: list[tuple[int, float]] = []
    t_train = time.time()
    for step in range(cfg.steps):
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, cfg)
        idx = np_rng.choice(len(rs.scenes), cfg.batch, replace=False)
        queries = _queries_for(rs, idx, cfg, rng)
        match = torch.from_numpy(satisfied(queries, rs.codes[idx])).float()  # (T, B)
        pixels = torch.from_numpy(rs.pixels[idx]).permute(0, 3, 1, 2).float().div_(255.0)
        images = (pixels - mean) / std
        tokens = tokenizer([q.text for q in queries])
        img_f, txt_f, logit_scale = model(images, tokens)
        logits_it = logit_scale * img_f @ txt_f.T  # (B, T)
        tgt_it = match.T / match.T.sum(1, keepdim=True)
        loss_i = -(tgt_it * F.log_softmax(logits_it, dim=1)).sum(1).mean()
        has_img = match.sum(1) > 0
        tgt_ti = match[has_img] / match[has_img].sum(1, keepdim=True)
        loss_t = -(tgt_ti * F.log_softmax(logits_it.T[has_img], dim=1)).sum(1).mean()
        loss = 0.5 * (loss_i + loss_t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        loss_value = loss.item()
        history.append((step, loss_value))
        if progress:
            progress(step + 1, cfg.steps, loss_value)
        if checkpoint_every and (step + 1) % checkpoint_every == 0 and step + 1 < cfg.steps:
            _save_weights(model, out_dir, cfg.seed)
    train_s = time.time() - t_train

    _save_weights(model, out_dir, cfg.seed)
    card = {
        "model": "shapes-tiny",
        "config": asdict(cfg),
        "model_cfg": MODEL_CFG,
        "train_seconds": round(train_s, 1),
        "render_seconds": round(t_train - t0, 1),
        "final_loss": float(np.mean([loss for _, loss in history[-50:]])),
        "loss_curve": [(s, round(v, 4)) for s, v in history[:: max(1, cfg.steps // 40)]],
        "torch": torch.__version__,
        "open_clip": open_clip.__version__,
    }
    (out_dir / "training.json").write_text(json.dumps(card, indent=2) + "\n")
    return card
