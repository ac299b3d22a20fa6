from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from desktop.compose.combiner import Combiner, compose_query, sum_query
from desktop.compose.metrics import recall_at_k
from desktop.compose.train import (
    CombinerConfig,
    TrainingCancelled,
    epoch_lr,
    evaluate_triplet_features,
    kept_metrics,
    train_combiner,
)
from desktop.errors import UsageError
from desktop.models.encoder import normalize

from .synthetic import Split, attribute_world

SMALL = {"proj_dim": 32, "hidden_dim": 64, "batch_size": 64}


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """These matrices are tiny: extra threads cost more than they give, and more still on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def world() -> tuple[Split, Split]:
    return attribute_world(seed=0)


def _held_out_recall(queries: np.ndarray, split: Split) -> float:
    got = recall_at_k(queries, normalize(split.gallery), split.tgt_idx, split.ref_idx, ks=(1,))
    return got["recall@1"]


def _state(c: Combiner) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in c.state_dict().items()}


def _assert_same_weights(a: Combiner, b: Combiner) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        torch.testing.assert_close(sa[k], sb[k], rtol=0, atol=0, msg=k)


def test_combiner_learns_what_the_sum_cannot(world: tuple[Split, Split]) -> None:
    train, test = world
    combiner, history = train_combiner(
        train.ref, train.mod, train.tgt, CombinerConfig(epochs=8, batch_size=256, seed=0)
    )

    combined = _held_out_recall(compose_query(combiner, test.ref, test.mod), test)
    summed = _held_out_recall(sum_query(test.ref, test.mod), test)
    # Measured: combiner 0.93, sum 0.21 (world seeds 0-3: combiner 0.93-0.95, sum 0.21-0.41).
    assert combined >= 0.75
    assert combined >= summed + 0.3
    assert [h["epoch"] for h in history] == list(range(1, 9))
    assert history[-1]["loss"] < history[0]["loss"] / 2
    assert not combiner.training


def test_validation_progress_and_best_epoch(world: tuple[Split, Split]) -> None:
    train, test = world
    calls: list[tuple[int, int, float, dict[str, float] | None]] = []
    val = (test.ref[:200], test.mod[:200], test.tgt[:200])
    combiner, history = train_combiner(
        train.ref[:512],
        train.mod[:512],
        train.tgt[:512],
        CombinerConfig(epochs=3, seed=1, **SMALL),
        val=val,
        progress=lambda *a: calls.append(a),
    )
    epoch_ends = [c for c in calls if c[3] is not None]
    assert [c[0] for c in epoch_ends] == [1, 2, 3]
    assert len(calls) == 3 * (512 // 64) + 3
    assert {"loss", "recall@1", "recall@5", "recall@10", "recall@50"} <= set(epoch_ends[-1][3] or {})
    assert all(0.0 <= v <= 1.0 for h in history for v in h["val"].values())
    best = max(history, key=lambda h: np.mean([h["val"][f"recall@{k}"] for k in (1, 5, 10)]))
    assert evaluate_triplet_features(*val, combiner=combiner) == best["val"]
    # What the card reports is the kept epoch's, not the last one's.
    assert [h["epoch"] for h in history if h["kept"]] == [best["epoch"]]
    assert kept_metrics(history) == best["val"]


def test_evaluate_triplet_features_baseline_matches_sum(world: tuple[Split, Split]) -> None:
    _, test = world
    # Within one shape the gallery of distinct targets is all of its colours, so sum's R@50 is 1.
    got = evaluate_triplet_features(test.ref, test.mod, test.tgt)
    assert set(got) == {"recall@1", "recall@5", "recall@10", "recall@50"}
    assert 0.0 <= got["recall@1"] <= got["recall@5"] <= got["recall@50"] <= 1.0


def test_same_seed_same_weights_and_caller_rng_untouched(world: tuple[Split, Split]) -> None:
    train, _ = world
    args = (train.ref[:256], train.mod[:256], train.tgt[:256])
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a, _ = train_combiner(*args, CombinerConfig(epochs=2, seed=5, **SMALL))
    assert torch.equal(torch.get_rng_state(), before)
    b, _ = train_combiner(*args, CombinerConfig(epochs=2, seed=5, **SMALL))
    _assert_same_weights(a, b)
    c, _ = train_combiner(*args, CombinerConfig(epochs=2, seed=6, **SMALL))
    assert not torch.equal(a.state_dict()["mix.3.weight"], c.state_dict()["mix.3.weight"])


def test_resume_continues_after_the_last_finished_epoch(world: tuple[Split, Split], tmp_path: Path) -> None:
    train, _ = world
    args = (train.ref[:256], train.mod[:256], train.tgt[:256])
    straight, straight_history = train_combiner(*args, CombinerConfig(epochs=3, seed=2, keep_best=False, **SMALL))

    ckpt = tmp_path / "run" / "combiner.ckpt"
    _, first = train_combiner(*args, CombinerConfig(epochs=1, seed=2, keep_best=False, **SMALL), checkpoint_path=ckpt)
    assert ckpt.exists() and [h["epoch"] for h in first] == [1]

    # Epoch 2 is interrupted half-way (as if the app were killed): the checkpoint still holds epoch 1.
    steps: list[tuple[int, int]] = []
    stop = threading.Event()

    def progress(epoch: int, step: int, loss: float, metrics: Any) -> None:
        steps.append((epoch, step))
        if epoch == 2 and step == 2:
            stop.set()

    with pytest.raises(TrainingCancelled) as info:
        train_combiner(
            *args,
            CombinerConfig(epochs=3, seed=2, keep_best=False, **SMALL),
            checkpoint_path=ckpt,
            progress=progress,
            cancel=stop,
        )
    assert info.value.epochs_done == 1
    assert steps[0] == (2, 1)  # started at epoch 2, not 1

    steps.clear()
    resumed, history = train_combiner(
        *args, CombinerConfig(epochs=3, seed=2, keep_best=False, **SMALL), checkpoint_path=ckpt, progress=progress
    )
    assert steps[0] == (2, 1) and steps[-1][0] == 3
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert [h["loss"] for h in history] == [h["loss"] for h in straight_history]
    _assert_same_weights(resumed, straight)

    # Asking for no more epochs than are done returns the saved model without training.
    steps.clear()
    again, _ = train_combiner(
        *args, CombinerConfig(epochs=3, seed=2, keep_best=False, **SMALL), checkpoint_path=ckpt, progress=progress
    )
    assert steps == []
    _assert_same_weights(again, straight)


def test_checkpoint_from_another_run_is_refused(world: tuple[Split, Split], tmp_path: Path) -> None:
    train, _ = world
    ckpt = tmp_path / "c.ckpt"
    train_combiner(
        train.ref[:128], train.mod[:128], train.tgt[:128], CombinerConfig(epochs=1, **SMALL), checkpoint_path=ckpt
    )
    with pytest.raises(UsageError, match="lr"):
        train_combiner(
            train.ref[:128],
            train.mod[:128],
            train.tgt[:128],
            CombinerConfig(epochs=2, lr=1e-3, **SMALL),
            checkpoint_path=ckpt,
        )
    ckpt.write_bytes(b"garbage")
    with pytest.raises(UsageError):
        train_combiner(
            train.ref[:128], train.mod[:128], train.tgt[:128], CombinerConfig(epochs=2, **SMALL), checkpoint_path=ckpt
        )


def test_cosine_schedule_ends_on_small_steps_and_resumes_exactly(world: tuple[Split, Split], tmp_path: Path) -> None:
    cfg = CombinerConfig(epochs=4, lr=1e-3, seed=3, keep_best=False, lr_schedule="cosine", **SMALL)
    rates = [epoch_lr(cfg, e) for e in range(1, 5)]
    assert rates[0] == pytest.approx(1e-3)
    assert all(a > b for a, b in itertools.pairwise(rates)) and rates[-1] < 0.2e-3
    assert [epoch_lr(CombinerConfig(epochs=4, lr=1e-3), e) for e in (1, 4)] == [1e-3, 1e-3]

    train, _ = world
    args = (train.ref[:256], train.mod[:256], train.tgt[:256])
    straight, _ = train_combiner(*args, cfg)
    constant, _ = train_combiner(*args, CombinerConfig(epochs=4, lr=1e-3, seed=3, keep_best=False, **SMALL))
    assert not torch.equal(straight.state_dict()["mix.3.weight"], constant.state_dict()["mix.3.weight"])

    ckpt = tmp_path / "cos.ckpt"
    half = CombinerConfig(epochs=2, lr=1e-3, seed=3, keep_best=False, lr_schedule="cosine", **SMALL)
    train_combiner(*args, half, checkpoint_path=ckpt)
    # Two epochs of a 2-epoch cosine are not the first half of a 4-epoch one: the checkpoint says so.
    with pytest.raises(UsageError, match="epochs"):
        train_combiner(*args, cfg, checkpoint_path=ckpt)
    ckpt.unlink()
    stop = threading.Event()

    def cancel_in_epoch_3(epoch: int, step: int, loss: float, metrics: Any) -> None:
        if epoch == 3:
            stop.set()

    with pytest.raises(TrainingCancelled):
        train_combiner(*args, cfg, checkpoint_path=ckpt, progress=cancel_in_epoch_3, cancel=stop)
    resumed, _ = train_combiner(*args, cfg, checkpoint_path=ckpt)
    _assert_same_weights(resumed, straight)


def test_a_repeated_target_is_not_its_own_negative() -> None:
    rng = np.random.default_rng(0)
    ref, mod = rng.normal(size=(2, 32, 8)).astype(np.float32)
    same_target = np.tile(rng.normal(size=(1, 8)).astype(np.float32), (32, 1))
    _, history = train_combiner(ref, mod, same_target, CombinerConfig(epochs=1, **SMALL))
    assert history[0]["loss"] == 0.0


def test_bad_inputs_are_usage_errors() -> None:
    x = np.zeros((4, 8), np.float32)
    with pytest.raises(UsageError):
        train_combiner(x, x, np.zeros((3, 8), np.float32), CombinerConfig(epochs=1))
    with pytest.raises(UsageError):
        train_combiner(x, x, x, CombinerConfig(epochs=0))
    with pytest.raises(UsageError):
        train_combiner(x, x, x, CombinerConfig(epochs=1), val=(x[:, :4], x[:, :4], x[:, :4]))
    with pytest.raises(UsageError, match="schedule"):
        train_combiner(x, x, x, CombinerConfig(epochs=1, lr_schedule="linear"))


def test_the_command_line_offers_every_schedule_training_knows() -> None:
    """``train-combiner`` lists the schedules itself (importing the trainer would load torch at start-up)."""
    from desktop.cli import build_parser
    from desktop.compose.train import LR_SCHEDULES

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    option = next(a for a in sub.choices["train-combiner"]._actions if a.dest == "lr_schedule")  # type: ignore[attr-defined]
    assert tuple(option.choices) == LR_SCHEDULES
