from __future__ import annotations

import pytest
import torch

from desktop.errors import UsageError
from desktop.models.device import pick_device


def test_explicit_cpu() -> None:
    assert pick_device("cpu") == "cpu"
    assert pick_device(" CPU ") == "cpu"


def test_environment_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFRAME_DEVICE", "cpu")
    assert pick_device() == "cpu"
    assert pick_device(None) == "cpu"


def test_argument_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFRAME_DEVICE", "bogus")
    assert pick_device("cpu") == "cpu"


def test_auto_prefers_cuda_then_mps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device() == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device("auto") == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device() == "cpu"


def test_unavailable_or_unknown_device_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UsageError, match="cuda"):
        pick_device("cuda")
    with pytest.raises(UsageError, match="Unknown device"):
        pick_device("tpu")
