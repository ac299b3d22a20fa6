"""What this installation is made of, for Help › About and bug reports. Imports none of the packages it
names (reading their installed metadata is enough), so asking never loads PyTorch."""

from __future__ import annotations

import importlib.util
import platform
import sys
from importlib import metadata

from desktop import __version__

NOT_INSTALLED = "not installed"


def package_version(name: str, module: str | None = None) -> str:
    """The installed version of distribution ``name`` (importable as ``module``), or ``"not installed"``.

    A frozen app may carry a package without its metadata: then the version of the module if it is already
    imported, else just whether it is there.
    """
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
    module = module or name
    loaded = sys.modules.get(module)
    if loaded is not None and isinstance(getattr(loaded, "__version__", None), str):
        return str(loaded.__version__)
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    return "installed" if found else NOT_INSTALLED


def versions() -> list[tuple[str, str]]:
    """``(what, version)`` pairs: Reframe, Python, the runtimes that run models, the operating system."""
    return [
        ("Reframe", __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("ONNX Runtime", package_version("onnxruntime")),
        ("PyTorch", package_version("torch")),
        ("open_clip", package_version("open_clip_torch", "open_clip")),
        ("NumPy", package_version("numpy")),
        ("Operating system", platform.platform(terse=True)),
    ]
