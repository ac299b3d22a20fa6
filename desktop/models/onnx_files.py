"""A model's ONNX pair on disk: ``image.onnx``, ``text.onnx`` and ``card.json`` in one folder per precision.

Where: ``<library>/models/<safe model name>/onnx-<precision>/`` for the hub backbones (exported there on
first use when torch is installed, else downloaded from the project's release assets), and
``resources/models/<name>/onnx-<precision>/`` for models that ship with the app. ``--weights DIR`` may
also name such a folder (or its ``card.json``) directly.

The card says what the files are (backbone, opset, precision, input size, context length, whether the
text tower takes trimmed token rows) and pins each file's size and sha256. Opening a pair checks the
sizes (cheap, catches a truncated copy); the hashes are checked where the bytes arrive (export,
download). Nothing here imports torch or onnxruntime.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.errors import ModelUnavailable
from desktop.models.registry import ModelSpec
from desktop.paths import LibraryPaths, safe_name

FORMAT = "reframe-onnx"
FORMAT_VERSION = 1
CARD = "card.json"
IMAGE = "image.onnx"
TEXT = "text.onnx"
PRECISIONS = ("fp32", "int8")


@dataclass(frozen=True)
class OnnxPair:
    folder: Path
    card: dict[str, Any]

    @property
    def image(self) -> Path:
        return self.folder / IMAGE

    @property
    def text(self) -> Path:
        return self.folder / TEXT

    @property
    def precision(self) -> str:
        return str(self.card.get("precision", "fp32"))

    @property
    def text_trim(self) -> bool:
        """The text tower takes token rows cut after the batch's longest text (see onnx_export)."""
        return bool(self.card.get("text_trim", False))

    @property
    def context_length(self) -> int:
        return int(self.card["context_length"])


def folder_name(precision: str) -> str:
    return f"onnx-{precision}"


def library_folder(spec: ModelSpec, paths: LibraryPaths, precision: str) -> Path:
    return paths.models / safe_name(spec.name) / folder_name(precision)


def bundled_folder(spec: ModelSpec, precision: str) -> Path | None:
    return spec.bundled_dir / folder_name(precision) if spec.bundled_dir is not None else None


def candidate_folders(spec: ModelSpec, paths: LibraryPaths, precision: str) -> list[Path]:
    """Where a pair for ``spec`` may already be, in the order they are preferred."""
    folders = [library_folder(spec, paths, precision)]
    bundled = bundled_folder(spec, precision)
    if bundled is not None:
        folders.append(bundled)
    return folders


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_entry(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "sha256": sha256_of(path)}


def read_pair(folder: Path, spec: ModelSpec | None = None) -> OnnxPair | None:
    """The pair in ``folder``; None when there is none. A damaged or foreign one is a ModelUnavailable."""
    folder = Path(folder)
    if folder.is_file() and folder.name == CARD:
        folder = folder.parent
    card_file = folder / CARD
    if not card_file.is_file():
        return None
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
        if not isinstance(card, dict) or card.get("format") != FORMAT:
            raise ValueError("not a Reframe ONNX card")
        if int(card.get("format_version", 0)) > FORMAT_VERSION:
            raise ValueError(f"made by a newer Reframe (format {card.get('format_version')})")
        files = card["files"]
        for name in (IMAGE, TEXT):
            want = int(files[name]["bytes"])
            have = (folder / name).stat().st_size
            if have != want:
                raise ValueError(f"{name} has {have} bytes, the card says {want}")
        int(card["context_length"])
    except FileNotFoundError as e:
        raise ModelUnavailable(
            f"The ONNX files in {folder} are incomplete: {e.filename} is missing.",
            hint=f"Delete {folder} and run again to get them afresh.",
        ) from e
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelUnavailable(
            f"The ONNX files in {folder} cannot be used: {e}.",
            hint=f"Delete {folder} and run again to get them afresh.",
        ) from e
    if spec is not None and card.get("dim") not in (None, spec.dim):
        raise ModelUnavailable(
            f"The ONNX files in {folder} make {card.get('dim')}-dim vectors; {spec.name} makes {spec.dim}.",
            hint="Point --weights at the ONNX export of this model.",
        )
    return OnnxPair(folder, card)


def find_pair(spec: ModelSpec, paths: LibraryPaths, precision: str) -> OnnxPair | None:
    for folder in candidate_folders(spec, paths, precision):
        pair = read_pair(folder, spec)
        if pair is not None:
            return pair
    return None


def write_card(folder: Path, card: dict[str, Any]) -> Path:
    """Write ``card.json`` last and atomically: a folder with a card is a complete pair."""
    import os
    import tempfile

    full = {"format": FORMAT, "format_version": FORMAT_VERSION, **card}
    full["files"] = {name: file_entry(folder / name) for name in (IMAGE, TEXT)}
    fd, tmp = tempfile.mkstemp(prefix=".card.", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(full, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o644)  # mkstemp makes it private; the card is as public as the model files
    os.replace(tmp, folder / CARD)
    return folder / CARD
