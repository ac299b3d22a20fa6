"""One named logger per subsystem, all under ``reframe``."""

from __future__ import annotations

import logging
from pathlib import Path


def get(name: str) -> logging.Logger:
    return logging.getLogger(f"reframe.{name}")


def to_file(log_dir: Path, level: int = logging.INFO) -> None:
    """Also write the log to ``log_dir/reframe.log`` (idempotent)."""
    root = logging.getLogger("reframe")
    target = str(log_dir / "reframe.log")
    if any(getattr(h, "baseFilename", None) == target for h in root.handlers):
        return
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
