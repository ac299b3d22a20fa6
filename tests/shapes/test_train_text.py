"""Teaching shapes-tiny's text tower the wider phrasebook leaves the image tower as it was."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from desktop.models.tokenizer import ClipTokenizer
from desktop.shapes.model import CONTEXT_LENGTH
from desktop.shapes.phrasings import HELD_OUT_BOOKS
from desktop.shapes.train_text import TextTrainConfig, _sample_texts, held_out_token_ids, is_text_param, noise_pool
from desktop.shapes.world import EDIT_KINDS
from tests.conftest import SHAPES_WEIGHTS, needs_shapes_tiny


def test_random_tokens_never_come_from_the_held_out_phrasebook() -> None:
    tok = ClipTokenizer(CONTEXT_LENGTH)
    banned = held_out_token_ids(tok)
    pool = set(noise_pool(tok).tolist())
    assert banned and not banned & pool
    for book in HELD_OUT_BOOKS:
        for kind in EDIT_KINDS:
            for word in {w.strip(",?") for t in book.templates[kind] for w in t.split() if "{" not in w}:
                assert not set(tok.ids(word)) & pool, (book.name, word)


def test_training_texts_never_include_a_held_out_phrasing() -> None:
    held = {t for book in HELD_OUT_BOOKS for kind in EDIT_KINDS for t in book.all_texts(kind)}
    texts = [t for t, _, _ in _sample_texts(TextTrainConfig(batch=3000), random.Random(0))]
    assert not set(texts) & held
    kinds = {what for _, what, _ in _sample_texts(TextTrainConfig(batch=300), random.Random(1))}
    assert kinds == {"caption", "world", "paraphrase"}


@needs_shapes_tiny
@pytest.mark.slow
def test_a_short_run_changes_the_text_tower_only(tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    from desktop.shapes.train_text import train_text_tower

    card = train_text_tower(SHAPES_WEIGHTS.parent, tmp_path, TextTrainConfig(steps=2, batch=16))
    assert card["config"]["steps"] == 2
    before, after = load_file(str(SHAPES_WEIGHTS)), load_file(str(tmp_path / "model.safetensors"))
    assert before.keys() == after.keys()
    changed = {k for k in before if not np.array_equal(before[k], after[k])}
    assert changed and all(is_text_param(k) for k in changed)
    assert all(np.array_equal(before[k], after[k]) for k in before if k.startswith("visual."))
    assert (tmp_path / "text_training.json").is_file()
