"""Where a library lives on disk.

One directory holds everything: the catalog, one vector index per model, thumbnails, downloaded
models and logs. ``--library DIR`` wins, then ``REFRAME_HOME``, then the platform's user data dir.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "REFRAME_HOME"
APP_NAME = "Reframe"


def _resources_dir() -> Path:
    """``resources/`` beside the package; in a PyInstaller build, inside the unpacked bundle (``sys._MEIPASS``)."""
    frozen = getattr(sys, "_MEIPASS", None) if getattr(sys, "frozen", False) else None
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


#: Folder of files shipped with the app (icons, the bundled model, Combiner weights).
RESOURCES = _resources_dir()


def default_library_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def resolve_library_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser().resolve()
    return default_library_dir()


def demo_library_dir() -> Path:
    """The demo's own library, inside the data folder: the demo never writes into the user's library."""
    return resolve_library_dir(None) / "demo"


@dataclass(frozen=True)
class LibraryPaths:
    """The layout of one library directory."""

    root: Path

    @property
    def catalog(self) -> Path:
        return self.root / "catalog.sqlite3"

    @property
    def indexes(self) -> Path:
        return self.root / "indexes"

    def index_file(self, model_name: str) -> Path:
        return self.indexes / f"{safe_name(model_name)}.hnsw"

    @property
    def thumbnails(self) -> Path:
        return self.root / "thumbnails"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def combiners(self) -> Path:
        return self.root / "combiners"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def ensure(self) -> LibraryPaths:
        for p in (self.root, self.indexes, self.thumbnails, self.models, self.combiners, self.logs):
            p.mkdir(parents=True, exist_ok=True)
        return self


def safe_name(name: str) -> str:
    """A model name such as ``ViT-B-32/laion2b_s34b_b79k`` as a file-name-safe string."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
