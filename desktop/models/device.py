"""Which torch device to run a model on: an explicit choice, then ``REFRAME_DEVICE``, then the best found."""

from __future__ import annotations

import os

from desktop.errors import UsageError

ENV_DEVICE = "REFRAME_DEVICE"
CHOICES = ("auto", "cuda", "mps", "cpu")


def pick_device(preference: str | None = None) -> str:
    """``"cuda"`` if available, else ``"mps"``, else ``"cpu"``; an explicit preference must be available."""
    choice = (preference or os.environ.get(ENV_DEVICE) or "auto").strip().lower()
    if choice not in CHOICES:
        raise UsageError(f"Unknown device {choice!r}.", hint=f"Choose one of: {', '.join(CHOICES)}.")
    if choice == "cpu":
        return "cpu"
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if choice == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if (choice == "cuda" and not cuda) or (choice == "mps" and not mps):
        source = "--device" if preference else ENV_DEVICE
        raise UsageError(
            f"Device {choice!r} was asked for ({source}) but torch cannot use it here.",
            hint="Use --device cpu, or --device auto to take the best one available.",
        )
    return choice
