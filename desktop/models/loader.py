"""Turn a model name into a ready :class:`~desktop.models.encoder.Encoder`.

Hub models: the weights are ``--weights FILE`` when given, else ``<library>/models/<name>/<file>``,
downloaded on first use (:func:`desktop.models.download.fetch`; offline that is a clean
:class:`ModelUnavailable`). The architecture comes from open_clip's own config and the file is loaded into
it strictly, so a wrong file is refused with a message rather than half-loaded. Bundled models are built
from the ``open_clip_config.json`` beside their ``model.safetensors``.

torch and open_clip are imported only inside the functions that need them, so ``reframe status`` and
:func:`weights_status` stay fast. Loading is serialised by one lock and cached per (name, device, file).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop import log
from desktop.errors import ModelUnavailable, UsageError
from desktop.models.device import pick_device
from desktop.models.download import Progress, fetch, tqdm_progress
from desktop.models.encoder import Encoder
from desktop.models.registry import BUNDLED_CONFIG, BUNDLED_WEIGHTS, ModelSpec, get_spec, read_bundled_config
from desktop.models.transform import Preprocess
from desktop.paths import LibraryPaths, safe_name

if TYPE_CHECKING:
    import torch

    from desktop.models.clip_encoder import Tokenizer

_log = log.get("models")
_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str, str], Encoder] = {}


def weights_path(spec: ModelSpec, paths: LibraryPaths) -> Path:
    """Where the weights of ``spec`` live (or will, once downloaded)."""
    if spec.source == "bundled" and spec.bundled_dir is not None:
        return spec.bundled_dir / BUNDLED_WEIGHTS
    return paths.models / safe_name(spec.name) / spec.filename


def weights_status(name: str, paths: LibraryPaths) -> str:
    """``"bundled"``, ``"downloaded"`` or ``"missing"``, from the files alone (no torch)."""
    spec = get_spec(name)
    if spec.source == "test":
        return "bundled"
    if spec.source == "bundled":
        complete = spec.bundled_dir is not None and (spec.bundled_dir / BUNDLED_CONFIG).is_file()
        return "bundled" if complete and weights_path(spec, paths).is_file() else "missing"
    return "downloaded" if weights_path(spec, paths).is_file() else "missing"


def load_encoder(
    name: str,
    paths: LibraryPaths,
    *,
    weights: Path | None = None,
    device: str | None = None,
    progress: Progress | None = None,
) -> Encoder:
    """The encoder for model ``name``; loads it (downloading if needed) on first use, then caches it.

    ``weights`` is a local state-dict file (.bin / .pt / .safetensors) to use instead of the library's copy.
    ``progress(done, total)`` follows a download; on a terminal a tqdm bar is the default.
    """
    spec = get_spec(name)
    if spec.source == "test":
        from desktop.models.testing import PixelEncoder

        return PixelEncoder(dim=spec.dim, size=spec.image_size, name=spec.name)
    if weights is not None:
        weights = Path(weights).expanduser().resolve()
        if not weights.is_file():
            raise UsageError(f"--weights {weights}: no such file.")
    from desktop.models.torch_libs import preload_torch_libraries

    preload_torch_libraries()  # before torch's first import: keeps a window responsive while it loads
    dev = pick_device(device)
    key = (spec.name, dev, str(weights or ""))
    with _LOCK:
        encoder = _CACHE.get(key)
        if encoder is None:
            encoder = _CACHE[key] = _load(spec, paths, weights, dev, progress)
    return encoder


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def _load(
    spec: ModelSpec, paths: LibraryPaths, weights: Path | None, device: str, progress: Progress | None
) -> Encoder:
    from desktop.models.clip_encoder import OpenClipEncoder

    started = time.perf_counter()
    if spec.source == "bundled":
        model, tokenizer, path = _bundled(spec, weights)
    else:
        model, tokenizer, path = _hub(spec, paths, weights, progress)
    preprocess = Preprocess(size=spec.image_size, mean=spec.mean, std=spec.std)
    encoder = OpenClipEncoder(
        model.float().to(device), tokenizer, name=spec.name, dim=spec.dim, device=device, preprocess=preprocess
    )
    dim = encoder.encode_texts(["a photo"]).shape[1]
    if dim != spec.dim:
        raise RuntimeError(f"registry says {spec.name} makes {spec.dim}-dim vectors, the model makes {dim}")
    _log.info("loaded %s from %s on %s in %.1f s", spec.name, path, device, time.perf_counter() - started)
    return encoder


def _hub(
    spec: ModelSpec, paths: LibraryPaths, weights: Path | None, progress: Progress | None
) -> tuple[torch.nn.Module, Tokenizer, Path]:
    path = weights or weights_path(spec, paths)
    if not path.is_file():
        if not spec.url:
            raise ModelUnavailable(f"Model {spec.name} has no download address.", hint="Give it with --weights FILE.")
        bar = tqdm_progress(f"Downloading {spec.name}") if progress is None and sys.stderr.isatty() else None
        try:
            fetch(spec.url, path, sha256=spec.sha256, progress=progress or bar, model=spec.name)
        finally:
            if bar is not None:
                bar.close()
    import open_clip

    with _without_random_init_warning():
        model = open_clip.create_model(spec.arch, pretrained=None, pretrained_hf=False)
    _load_weights(model, path, spec, user_file=weights is not None)
    return model, open_clip.get_tokenizer(spec.arch), path


@contextlib.contextmanager
def _without_random_init_warning() -> Iterator[None]:
    """open_clip warns on the root logger that the model is random; we load its weights right after."""

    def keep(record: logging.LogRecord) -> bool:
        return "No pretrained weights loaded" not in record.getMessage()

    root = logging.getLogger()
    root.addFilter(keep)
    try:
        yield
    finally:
        root.removeFilter(keep)


def _bundled(spec: ModelSpec, weights: Path | None) -> tuple[torch.nn.Module, Tokenizer, Path]:
    folder = spec.bundled_dir or Path()
    reinstall = "The installation is incomplete: reinstall Reframe (or rebuild the bundled model)."
    try:
        cfg = read_bundled_config(folder)
    except (OSError, ValueError) as e:
        raise ModelUnavailable(f"The config of the bundled model {spec.name} cannot be read: {e}.") from e
    path = weights or folder / BUNDLED_WEIGHTS
    if cfg is None or not path.is_file():
        raise ModelUnavailable(
            f"The bundled model {spec.name} is missing: expected {folder / BUNDLED_CONFIG} and {path}.",
            hint=reinstall,
        )
    import open_clip

    model_cfg = dict(cfg["model_cfg"])
    custom_text = bool(model_cfg.pop("custom_text", False))
    cls = open_clip.model.CustomTextCLIP if custom_text else open_clip.model.CLIP
    try:
        model = cls(**model_cfg)
    except (TypeError, ValueError, KeyError, AssertionError) as e:
        raise ModelUnavailable(
            f"{folder / BUNDLED_CONFIG} does not describe an open_clip model: {e}.", hint=reinstall
        ) from e
    _load_weights(model, path, spec, user_file=weights is not None)
    context = cfg.get("tokenizer", {}).get("context_length") or model_cfg["text_cfg"].get("context_length", 77)
    return model, _simple_tokenizer(int(context)), path


@functools.lru_cache(maxsize=4)
def _simple_tokenizer(context_length: int) -> Tokenizer:
    """open_clip's BPE tokenizer (its vocabulary ships in the package); slow to build, so shared."""
    from open_clip.tokenizer import SimpleTokenizer

    return SimpleTokenizer(context_length=context_length)


def _load_weights(model: torch.nn.Module, path: Path, spec: ModelSpec, *, user_file: bool) -> None:
    """Load ``path`` into ``model`` strictly; any failure is a ModelUnavailable saying what to do."""
    try:
        state = _adapt(model, read_state_dict(path))
        model.load_state_dict(state, strict=True)
    except (OSError, RuntimeError, ValueError, KeyError, TypeError, AttributeError) as e:
        reason = " ".join(str(e).split())
        if len(reason) > 400:
            reason = reason[:400] + " ..."
        if user_file:
            hint = f"Give the open_clip checkpoint of {spec.arch}" + (f" ({spec.url})" if spec.url else "") + "."
        elif spec.source == "bundled":
            hint = "The installation is damaged: reinstall Reframe."
        else:
            hint = f"The file may be damaged: delete {path} and run again to download it afresh."
        raise ModelUnavailable(
            f"{path} cannot be loaded as the weights of {spec.name} ({spec.arch}): {reason}", hint=hint
        ) from e


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A state dict from a safetensors file or a torch pickle (``weights_only``: no code runs)."""
    with path.open("rb") as f:
        head = f.read(9)
    try:
        if len(head) == 9 and head[8:9] == b"{":  # safetensors: u64 header length, then a JSON header
            from safetensors.torch import load_file

            state: Any = load_file(str(path), device="cpu")
        else:
            import torch

            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a damaged or foreign file can fail in the unpickler in any way
        raise ValueError(f"not a readable checkpoint ({type(e).__name__}: {e})") from e
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not state:
        raise ValueError("the file holds no state dict")
    if all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    return state


def _adapt(model: torch.nn.Module, state: dict[str, Any]) -> dict[str, Any]:
    """The layout changes open_clip itself applies to older checkpoints of the same architecture."""
    from open_clip.model import convert_to_custom_text_state_dict

    try:
        from open_clip.convert import convert_state_dict
    except ImportError:  # older open_clip: no third-party formats to convert
        pass
    else:
        state = convert_state_dict(model, state)
    if "positional_embedding" in state and not hasattr(model, "positional_embedding"):
        state = convert_to_custom_text_state_dict(state)
    scale = getattr(model, "logit_scale", None)
    if "logit_scale" in state and scale is not None and state["logit_scale"].ndim != scale.ndim:
        state["logit_scale"] = state["logit_scale"].reshape(scale.shape)
    return state
