"""Combiner weights on disk: ``<name>.safetensors`` plus a JSON card ``<name>.json`` beside it.

safetensors holds only tensors and string metadata, so loading a file cannot run code. Reading a file
(:func:`read_combiner_file`, what searches use) needs numpy only; saving and :func:`load_combiner` (a
torch module, for training) need torch. The metadata
records the Combiner's sizes, enough to rebuild it; the card says where the weights came from (backbone,
recipe, data, metrics) for people and for the app's about box.

Lookup: ``<dir>/<safe model name>/combiner.safetensors`` in each search dir, first hit wins. The app
searches the library's ``combiners/`` (user-trained) before the bundled ``resources/models/``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors import SafetensorError, safe_open

from desktop.errors import ModelUnavailable
from desktop.paths import RESOURCES, safe_name

if TYPE_CHECKING:
    import torch

    from desktop.compose.combiner import Combiner

FORMAT = "reframe-combiner"
FORMAT_VERSION = "1"
FILE_NAME = "combiner.safetensors"


def card_path(path: str | os.PathLike[str]) -> Path:
    return Path(path).with_suffix(".json")


def save_combiner(
    path: str | os.PathLike[str], combiner: Combiner, card: dict[str, Any], *, half: bool = False
) -> Path:
    """Write the weights and the card atomically; returns the ``.safetensors`` path.

    ``card`` should name the backbone (``"backbone"``), the recipe, the data seed and metrics; ``sizes``
    and ``created`` are filled in. ``half`` stores float16 (half the size; loads back as float32).
    """
    import torch
    from safetensors.torch import save_file

    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_name(path.name + ".safetensors")
    path.parent.mkdir(parents=True, exist_ok=True)
    dtype = torch.float16 if half else torch.float32
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in combiner.state_dict().items()}
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION}
    metadata.update({k: str(v) for k, v in combiner.sizes.items()})
    full_card = dict(card)
    full_card["sizes"] = {**combiner.sizes, "parameters": sum(p.numel() for p in combiner.parameters())}
    full_card.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    full_card["dtype"] = "float16" if half else "float32"
    if "backbone" in full_card:
        metadata["backbone"] = str(full_card["backbone"])

    _atomic_write(path, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))
    text = json.dumps(full_card, indent=2, sort_keys=True, default=str) + "\n"
    _atomic_write(card_path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def read_combiner_file(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The float32 tensors of a Combiner file and its card ({} if the card is missing); no torch."""
    path = Path(path)
    try:
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            if metadata.get("format") != FORMAT:
                raise ValueError("not a Reframe Combiner file")
            tensors = {k: f.get_tensor(k).astype(np.float32) for k in f.keys()}  # noqa: SIM118 (not a dict)
        sizes = {k: int(metadata[k]) for k in ("dim", "proj_dim", "hidden_dim")}
        want = {
            "text_proj.0.weight": (sizes["proj_dim"], sizes["dim"]),
            "residual.3.weight": (sizes["dim"], sizes["hidden_dim"]),
        }
        for name, shape in want.items():
            if tensors[name].shape != shape:
                raise ValueError(f"{name} is {tensors[name].shape}, the metadata says {shape}")
    except FileNotFoundError as e:
        raise ModelUnavailable(f"Combiner weights not found: {path}") from e
    except (OSError, ValueError, KeyError, SafetensorError) as e:
        raise ModelUnavailable(
            f"Combiner weights in {path} cannot be read: {e}",
            hint="Delete the file to fall back to the sum of image and text, or retrain the Combiner.",
        ) from e
    card: dict[str, Any] = {}
    cp = card_path(path)
    if cp.exists():
        try:
            card = json.loads(cp.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelUnavailable(f"The card {cp} of Combiner weights cannot be read: {e}") from e
    return tensors, card


def load_combiner(
    path: str | os.PathLike[str], *, device: str | torch.device = "cpu"
) -> tuple[Combiner, dict[str, Any]]:
    """Rebuild the torch Combiner (eval mode, float32) and read its card; for training and tests."""
    import torch

    from desktop.compose.combiner import Combiner

    tensors, card = read_combiner_file(Path(path))
    dim, proj = tensors["text_proj.0.weight"].shape[1], tensors["text_proj.0.weight"].shape[0]
    hidden = tensors["residual.0.weight"].shape[0]
    combiner = Combiner(dim=dim, proj_dim=proj, hidden_dim=hidden)
    try:
        combiner.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    except RuntimeError as e:
        raise ModelUnavailable(f"Combiner weights in {path} do not fit a Combiner: {e}") from e
    combiner.to(device).eval()
    return combiner, card


def combiner_dir(root: str | os.PathLike[str], model_name: str) -> Path:
    return Path(root) / safe_name(model_name)


def find_combiner(model_name: str, search_dirs: Sequence[str | os.PathLike[str]]) -> Path | None:
    """The first ``<dir>/<safe model name>/combiner.safetensors`` that exists, in search order."""
    for root in search_dirs:
        candidate = combiner_dir(root, model_name) / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def default_search_dirs(library_combiners: str | os.PathLike[str] | None) -> list[Path]:
    """User-trained weights (the library's ``combiners/``) first, then the bundled ones."""
    dirs = [Path(library_combiners)] if library_combiners is not None else []
    return [*dirs, RESOURCES / "models"]


def _atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
