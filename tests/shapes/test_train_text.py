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
from desktop.shapes.world import EDIT_KINDS, SHAPES
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
    texts = [s.text for s in _sample_texts(TextTrainConfig(batch=3000), random.Random(0))]
    assert not set(texts) & held
    kinds = {s.what for s in _sample_texts(TextTrainConfig(batch=300), random.Random(1))}
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


def test_a_paraphrase_is_taught_what_it_can_mean_and_kept_from_its_opposite() -> None:
    batch = _sample_texts(TextTrainConfig(batch=3000, caption_share=0.0, world_share=0.0), random.Random(2))
    assert all(s.what == "paraphrase" and s.world for s in batch)
    for s in batch:
        assert not set(s.world) & set(s.opposite), s
    instead = [s for s in batch if s.text.startswith("a ") and s.text.endswith(" instead")]
    named = [s for s in instead if s.text[2:-8] in SHAPES]  # "a star instead" (synonyms, typos aside)
    assert named
    for s in named:
        new = s.text[2:-8]
        # it can mean turning any other shape into it, never turning it into another
        assert {t.split()[-1] for t in s.world} == {new}, s
        assert {t.split()[2] for t in s.world if t.startswith("turn the")} == set(SHAPES) - {new}, s
        assert "turn the " + new + " into a circle" in s.opposite or new == "circle", s


def test_picture_share_draws_the_texts_that_leave_the_subject_to_the_picture() -> None:
    cfg = TextTrainConfig(batch=600, caption_share=0.0, world_share=0.0, picture_share=1.0)
    batch = _sample_texts(cfg, random.Random(3))
    # such a text means several edits: more world texts than the two or three phrasings of one edit
    several = [s for s in batch if len(s.world) > 3]
    assert len(several) > len(batch) / 4  # colour, shape and remove edits: half of them
    plain = _sample_texts(TextTrainConfig(batch=600, caption_share=0.0, world_share=0.0), random.Random(3))
    assert len([s for s in plain if len(s.world) > 3]) < len(several) / 3
