"""Load torch's big shared libraries without holding the GIL, before ``import torch``.

``import torch`` maps libtorch_cpu and libtorch_cuda (hundreds of MB, with static initialisers) through
the import machinery, which holds the GIL: the app loads the model on a background thread, yet the
window froze for 0.4-0.5 s while it happened. The same libraries opened first with ``dlopen`` called
through ctypes — which releases the GIL for the length of a foreign call — take the same time, but the
window keeps running; torch's own import then finds them loaded. What remains is torch's Python-side
initialisation, in pieces under 0.1 s. (Measured with a 5 ms ticker on the main thread while another
thread imported torch: longest gap 390-480 ms before, 90-94 ms after.)

Triton's extension (libtriton, about 480 MB, shipped with CUDA builds of torch) is opened the same way:
loading open_clip imports ``torch._dynamo``, which imports triton, and mapping it under the import
machinery held the GIL for 40-60 ms; once mapped its import takes under a millisecond.

POSIX only (Linux, macOS); elsewhere, or if anything is unexpected, it does nothing and torch loads as usual.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from pathlib import Path

from desktop import log

_log = log.get("models")

#: In dependency order, so that each finds the ones before it already mapped.
LIBRARIES = (
    "libtorch_global_deps",
    "libc10",
    "libtorch_cpu",
    "libc10_cuda",
    "libtorch_cuda",
    "libtorch",
    "libtorch_python",
)
_done = False


def preload_torch_libraries() -> list[str]:
    """dlopen torch's libraries with the GIL released; returns the names it opened (once per process)."""
    global _done
    if _done or "torch" in sys.modules or os.name != "posix":
        return []
    _done = True
    try:
        spec = importlib.util.find_spec("torch")
        if spec is None or spec.origin is None:
            return []
        lib_dir = Path(spec.origin).parent / "lib"
        suffix = ".dylib" if sys.platform == "darwin" else ".so"
        libc = ctypes.CDLL(None)
        dlopen = libc.dlopen
        dlopen.restype = ctypes.c_void_p
        dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    except (OSError, AttributeError, ValueError) as exc:
        _log.debug("not preloading torch: %s", exc)
        return []
    opened = []
    for name in LIBRARIES:
        path = lib_dir / f"{name}{suffix}"
        # A library that fails to open here (missing, or a dependency not found) is left to torch.
        # Opened as torch opens them: global_deps into the global namespace, the rest local.
        scope = os.RTLD_GLOBAL if name == "libtorch_global_deps" else os.RTLD_LOCAL
        if path.is_file() and dlopen(os.fsencode(path), os.RTLD_NOW | scope):
            opened.append(name)
    for path in _triton_extensions():
        if dlopen(os.fsencode(path), os.RTLD_NOW | os.RTLD_LOCAL):  # as Python opens extension modules
            opened.append(path.name)
    _log.info("opened %d of torch's libraries ahead of import torch: %s", len(opened), ", ".join(opened) or "none")
    return opened


def _triton_extensions() -> list[Path]:
    """Triton's compiled extension modules, if triton is installed (finding them imports nothing)."""
    try:
        spec = importlib.util.find_spec("triton")
    except (ImportError, ValueError):
        return []
    if spec is None or spec.origin is None:
        return []
    return sorted((Path(spec.origin).parent / "_C").glob("libtriton*.so"))
