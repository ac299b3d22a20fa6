"""Teach shapes-tiny's text tower the wider phrasebook, with its image tower frozen (distillation).

The image tower is not touched (its weights are copied bit for bit), so image features, every index built
with shapes-tiny, the demo library's vectors and ``image.onnx`` stay the same. Only the text tower learns,
from a frozen copy of itself (the teacher), on three kinds of text:

- captions and partial text queries (:func:`desktop.shapes.world.describe`): stay where the teacher put
  them, so text search keeps its quality;
- the world's edit phrasings (shapes-world.md): stay where they were, so a Combiner trained on them keeps
  working;
- the training phrasebook's paraphrases (:data:`desktop.shapes.phrasings.TRAIN`, typos included): move to
  the mean of the teacher's features of the world phrasings of the same edit. Only paraphrases that name
  what they edit (:meth:`~desktop.shapes.phrasings.Phrasebook.render` ``self_contained``): "keep only the
  square" means "remove the circle" only beside a picture of both. Taught from such texts, the tower
  pulled "remove the ..." apart (world remove R@1 0.93 -> 0.80), and the Combiner, taught "square" as
  both the shape to drop and the shape to keep, lost more; they are out of the training phrasebook.

The loss is ``1 - cos`` to the target plus a contrastive term against the batch's other targets (the
features of "make the circle red" and "make the circle blue" are close: the student must land nearer its
own). Some paraphrases get one random token inserted (never a token of a held-out phrasebook), so that a
word the model does not know moves the feature little. Seeded; reproducible on the CPU.
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
from desktop.shapes import phrasings
from desktop.shapes.model import CONTEXT_LENGTH, MODEL_CFG
from desktop.shapes.world import EDIT_KINDS, PARTIAL_KINDS, apply_edit, describe, possible_edits, random_scene

logger = log.get("shapes.train_text")

#: The text tower's parameters (everything else, image tower and logit scale, is frozen).
TEXT_PARAMS = ("token_embedding", "positional_embedding", "transformer", "ln_final", "text_projection")
EOT = 49407  # the end-of-text id: the tower pools there (argmax of the ids)


@dataclass
class TextTrainConfig:
    seed: int = 77
    steps: int = 600
    batch: int = 160
    caption_share: float = 0.45
    world_share: float = 0.2  # the rest: training-phrasebook paraphrases
    noise_token_rate: float = 0.3  # paraphrases with one random token inserted
    contrastive_weight: float = 0.5
    temperature: float = 0.03
    lr: float = 5e-4
    warmup: int = 30
    weight_decay: float = 0.01


def is_text_param(name: str) -> bool:
    return name.split(".")[0] in TEXT_PARAMS


def _lr_at(step: int, cfg: TextTrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def held_out_token_ids(tokenize: Callable[[list[str]], np.ndarray]) -> set[int]:
    """Every token id of every held-out phrasing, of both held-out phrasebooks (typos aside): kept out of
    the random-token pool."""
    texts = [t for book in phrasings.HELD_OUT_BOOKS for kind in EDIT_KINDS for t in book.all_texts(kind)]
    return {int(i) for i in np.unique(tokenize(texts))}


def noise_pool(tokenize: Callable[[list[str]], np.ndarray], vocab_size: int = 49406) -> np.ndarray:
    """Token ids a paraphrase may get inserted: any ordinary token but those of the held-out phrasebook."""
    banned = held_out_token_ids(tokenize) | {0}
    return np.asarray([i for i in range(1, vocab_size) if i not in banned], dtype=np.int64)


def _sample_texts(cfg: TextTrainConfig, rng: random.Random) -> list[tuple[str, str, tuple[str, ...]]]:
    """(text, what it is, world texts whose teacher mean is the target; empty: the text itself)."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for _ in range(cfg.batch):
        r = rng.random()
        if r < cfg.caption_share:
            scene = random_scene(rng)
            out.append((describe(scene, rng.choice(PARTIAL_KINDS), rng).text, "caption", ()))
            continue
        ref = random_scene(rng)
        edit = apply_edit(ref, rng.choice(possible_edits(ref)), rng)
        if r < cfg.caption_share + cfg.world_share:
            out.append((edit.text, "world", ()))
        else:
            slots = phrasings.edit_slots(ref, edit)
            text = phrasings.TRAIN.render(slots, rng, self_contained=True)
            out.append((text, "paraphrase", tuple(phrasings.world_texts(slots))))
    return out


def train_text_tower(
    model_dir: Path,
    out_dir: Path,
    cfg: TextTrainConfig | None = None,
    *,
    progress: Callable[[int, int, float], None] | None = None,
) -> dict:
    """Load shapes-tiny from ``model_dir``, train its text tower, write ``model.safetensors``, the config and
    ``text_training.json`` to ``out_dir``. Returns the card."""
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file, save_file

    from desktop.models.clip_encoder import encode_trimmed_text
    from desktop.models.tokenizer import ClipTokenizer
    from desktop.shapes.model import build_model, write_config

    cfg = cfg or TextTrainConfig()
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    np_rng = np.random.default_rng(cfg.seed)
    shipped = load_file(str(model_dir / "model.safetensors"))
    teacher, student = build_model(), build_model()
    for m in (teacher, student):
        m.load_state_dict({k: v.float() for k, v in shipped.items()})
    teacher.eval()
    student.eval()  # no dropout in this tower; eval keeps the frozen image tower's batch norms still
    for name, p in student.named_parameters():
        p.requires_grad_(is_text_param(name))
    params = [p for p in student.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=cfg.weight_decay)
    tokenizer = ClipTokenizer(CONTEXT_LENGTH)

    def tokens(texts: list[str]) -> torch.Tensor:
        return torch.from_numpy(tokenizer(texts).astype(np.int64))

    pool = noise_pool(lambda ts: tokenizer(ts))
    target_cache: dict[tuple[str, ...], torch.Tensor] = {}

    @torch.no_grad()
    def teach(texts: list[str]) -> torch.Tensor:
        return F.normalize(encode_trimmed_text(teacher, tokens(texts)), dim=-1)

    def world_mean(world: tuple[str, ...]) -> torch.Tensor:
        if world not in target_cache:
            target_cache[world] = F.normalize(teach(list(world)).mean(0), dim=-1)
        return target_cache[world]

    history: list[tuple[int, float]] = []
    t0 = time.time()
    for step in range(cfg.steps):
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, cfg)
        batch = _sample_texts(cfg, rng)
        texts = [t for t, _, _ in batch]
        own = [i for i, (_, _, w) in enumerate(batch) if not w]
        target = torch.empty(len(batch), MODEL_CFG["embed_dim"])
        target[own] = teach([texts[i] for i in own])
        for i, (_, _, world) in enumerate(batch):
            if world:
                target[i] = world_mean(world)
        tok = tokens(texts)
        for i, (_, what, _) in enumerate(batch):
            if what == "paraphrase" and rng.random() < cfg.noise_token_rate:
                tok[i] = _insert(tok[i], int(pool[np_rng.integers(len(pool))]), rng)
        feats = F.normalize(encode_trimmed_text(student, tok), dim=-1)
        align = (1 - (feats * target).sum(-1)).mean()
        # contrastive: each text against the batch's distinct targets (copies of its own are positives)
        same = (target @ target.T) > 0.9999
        logits = feats @ target.T / cfg.temperature
        log_p = logits - torch.logsumexp(
            logits.masked_fill(same & ~torch.eye(len(batch), dtype=torch.bool), -1e9), 1, True
        )
        contrast = -log_p.diagonal().mean()
        loss = align + cfg.contrastive_weight * contrast
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        value = loss.item()
        history.append((step, value))
        if progress:
            progress(step + 1, cfg.steps, value)
    train_s = time.time() - t0

    state = student.state_dict()
    out_state = {
        k: (v.detach().to(torch.float16).contiguous() if is_text_param(k) else shipped[k]) for k, v in state.items()
    }
    for k, v in out_state.items():  # the image tower and the logit scale: the very bits that shipped
        if not is_text_param(k):
            assert torch.equal(v, shipped[k]), k
    out_dir.mkdir(parents=True, exist_ok=True)
    write_config(out_dir)
    metadata = {"model": "shapes-tiny", "seed": str(cfg.seed), "text_tower": "phrasebook distillation"}
    replace_with(out_dir / "model.safetensors", lambda tmp: save_file(out_state, str(tmp), metadata=metadata))
    card = {
        "model": "shapes-tiny",
        "what": "text tower retrained on the wider phrasebook; image tower frozen (bit-identical)",
        "config": asdict(cfg),
        "train_seconds": round(train_s, 1),
        "final_loss": float(np.mean([v for _, v in history[-50:]])),
        "loss_curve": [(s, round(v, 4)) for s, v in history[:: max(1, cfg.steps // 40)]],
        "torch": torch.__version__,
    }
    (out_dir / "text_training.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def _insert(row, token: int, rng: random.Random):
    """``row`` (a token tensor: SOT ids EOT 0...) with ``token`` inserted at a random place among the ids."""
    import torch

    ids = row.tolist()
    end = ids.index(EOT) if EOT in ids else len(ids) - 1
    if end + 1 >= len(ids):
        return row
    pos = rng.randrange(1, end + 1)
    ids = [*ids[:pos], token, *ids[pos:-1]]
    return torch.tensor(ids, dtype=row.dtype)
