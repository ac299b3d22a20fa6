"""Turn a model name into a ready :class:`~desktop.models.encoder.Encoder`, on ONNX Runtime or torch.

The backend (:mod:`desktop.models.backend`): ``onnx`` runs the model's exported pair
(:mod:`desktop.models.onnx_files`) and imports no torch; ``torch`` runs the open_clip model itself.

ONNX pairs come from, in order: ``--weights DIR`` naming an exported pair; the library's
``models/<name>/onnx-<precision>/``; the pair that ships in ``resources/`` (shapes-tiny); an export made
here from the PyTorch checkpoint when torch is installed; else a download of the project's release
assets. Checkpoints (for torch, and for an export): ``--weights FILE`` when given, else
``<library>/models/<name>/<file>``, downloaded on first use (:func:`desktop.models.download.fetch`;
offline that is a clean :class:`ModelUnavailable`). The architecture comes from open_clip's own config
and the file is loaded into it strictly, so a wrong file is refused with a message rather than
half-loaded. Bundled models are built from the ``open_clip_config.json`` beside their ``model.safetensors``.

torch and open_clip are imported only inside the functions that need them, so ``reframe status`` and
:func:`weights_status` stay fast. Loading is serialised by one lock and cached per (name, backend,
precision, device, file).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop import log
from desktop.errors import ModelUnavailable, UsageError
from desktop.models import onnx_files
from desktop.models.backend import ENV_BACKEND, TORCH_EXTRA, check_precision, choose_backend, torch_installed
from desktop.models.download import Progress, fetch, tqdm_progress
from desktop.models.encoder import Encoder
from desktop.models.registry import (
    BUNDLED_CONFIG,
    BUNDLED_WEIGHTS,
    ModelSpec,
    get_spec,
    onnx_asset_url,
    onnx_pins,
    read_bundled_config,
    resolve_bundled,
)
from desktop.models.tokenizer import ClipTokenizer, shared_tokenizer
from desktop.models.transform import Preprocess
from desktop.paths import LibraryPaths

if TYPE_CHECKING:
    import torch

    from desktop.models.clip_encoder import OpenClipEncoder

_log = log.get("models")
_LOCK = threading.Lock()
_CACHE: dict[tuple[str, ...], Encoder] = {}


def weights_path(spec: ModelSpec, paths: LibraryPaths) -> Path:
    """Where the PyTorch checkpoint of ``spec`` lives (or will, once downloaded)."""
    if spec.source == "bundled" and spec.bundled_dir is not None:
        return spec.bundled_dir / BUNDLED_WEIGHTS
    from desktop.paths import safe_name

    return paths.models / safe_name(spec.name) / spec.filename


def weights_status(name: str, paths: LibraryPaths) -> str:
    """``"bundled"``, ``"downloaded"`` or ``"missing"``, from the files alone (no torch).

    A model counts as downloaded when either its checkpoint or an ONNX pair of it is in the library.
    """
    spec = get_spec(name)
    if spec.source == "test":
        return "bundled"
    if spec.source == "bundled":
        complete = spec.bundled_dir is not None and (spec.bundled_dir / BUNDLED_CONFIG).is_file()
        pair = onnx_files.bundled_folder(spec, "fp32")
        has_onnx = pair is not None and (pair / onnx_files.CARD).is_file()
        return "bundled" if complete and (weights_path(spec, paths).is_file() or has_onnx) else "missing"
    if weights_path(spec, paths).is_file():
        return "downloaded"
    has_pair = any(
        (onnx_files.library_folder(spec, paths, p) / onnx_files.CARD).is_file() for p in onnx_files.PRECISIONS
    )
    return "downloaded" if has_pair else "missing"


def load_encoder(
    name: str,
    paths: LibraryPaths,
    *,
    weights: Path | None = None,
    device: str | None = None,
    progress: Progress | None = None,
    backend: str | None = None,
    precision: str | None = None,
) -> Encoder:
    """The encoder for model ``name``; loads it (exporting or downloading if needed) on first use, then caches it.

    ``weights`` is a local checkpoint (.bin / .pt / .safetensors) or an exported ONNX folder to use instead
    of the library's copy. ``backend`` is ``auto`` / ``onnx`` / ``torch`` (default: ``REFRAME_BACKEND``,
    else auto); ``precision`` ``fp32`` / ``int8`` (ONNX only). ``progress(done, total)`` follows a
    download; on a terminal a tqdm bar is the default.
    """
    spec = get_spec(name)
    if spec.source == "test":
        from desktop.models.testing import PixelEncoder

        return PixelEncoder(dim=spec.dim, size=spec.image_size, name=spec.name)
    if weights is not None:
        weights = Path(weights).expanduser().resolve()
        if not weights.exists():
            raise UsageError(f"--weights {weights}: no such file.")
    prec = check_precision(precision)
    chosen = choose_backend(backend, device)
    if chosen == "torch" and prec != "fp32":
        raise UsageError("--precision int8 runs on ONNX Runtime.", hint="Use --backend onnx (or auto on a CPU).")
    if chosen == "torch":
        from desktop.models.device import pick_device
        from desktop.models.torch_libs import preload_torch_libraries

        preload_torch_libraries()  # before torch's first import: keeps a window responsive while it loads
        dev = pick_device(device)
        if dev == "cpu" and not _explicit(backend):
            chosen = "onnx"  # auto saw a GPU driver but torch cannot use it: ONNX Runtime is faster on a CPU
            _log.info("torch found no usable GPU; using ONNX Runtime")
    key = (spec.name, chosen, prec, dev if chosen == "torch" else "cpu", str(weights or ""))
    with _LOCK:
        encoder = _CACHE.get(key)
        if encoder is None:
            if chosen == "torch":
                encoder = _load_torch(spec, paths, weights, dev, progress)
            else:
                encoder = _load_onnx(spec, paths, weights, prec, progress)
            _CACHE[key] = encoder
    return encoder


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def _explicit(backend: str | None) -> bool:
    """The backend was chosen by name (flag or REFRAME_BACKEND), not left to ``auto``."""
    return (backend or os.environ.get(ENV_BACKEND) or "auto").strip().lower() != "auto"


def _load_torch(
    spec: ModelSpec, paths: LibraryPaths, weights: Path | None, device: str, progress: Progress | None
) -> OpenClipEncoder:
    from desktop.models.clip_encoder import OpenClipEncoder

    started = time.perf_counter()
    if weights is not None and _is_onnx_path(weights):
        raise UsageError(
            f"--weights {weights} is an ONNX export; the torch backend needs the PyTorch checkpoint.",
            hint="Use --backend onnx with it, or give the checkpoint file.",
        )
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
    _log.info("loaded %s from %s on %s (torch) in %.1f s", spec.name, path, device, time.perf_counter() - started)
    return encoder


def _is_onnx_path(path: Path) -> bool:
    return path.is_dir() or path.name == onnx_files.CARD or path.suffix == ".onnx"


def _load_onnx(
    spec: ModelSpec, paths: LibraryPaths, weights: Path | None, precision: str, progress: Progress | None
) -> Encoder:
    from desktop.models.onnx_encoder import OnnxEncoder

    started = time.perf_counter()
    pair = _onnx_pair(spec, paths, weights, precision, progress)
    if pair.precision != precision:
        raise UsageError(f"{pair.folder} holds a {pair.precision} export, not {precision}.")
    size = int(pair.card.get("image_size", spec.image_size))
    preprocess = Preprocess(size=size, mean=spec.mean, std=spec.std)
    encoder = OnnxEncoder(pair, name=spec.name, dim=spec.dim, preprocess=preprocess)
    _log.info(
        "loaded %s (%s) from %s on ONNX Runtime in %.2f s",
        spec.name,
        precision,
        pair.folder,
        time.perf_counter() - started,
    )
    return encoder


def _onnx_pair(
    spec: ModelSpec, paths: LibraryPaths, weights: Path | None, precision: str, progress: Progress | None
) -> onnx_files.OnnxPair:
    if weights is not None and _is_onnx_path(weights):
        pair = onnx_files.read_pair(weights if weights.is_dir() or weights.name == onnx_files.CARD else weights.parent)
        if pair is None:
            raise UsageError(f"--weights {weights}: no {onnx_files.CARD} there (export one with reframe export-onnx).")
        return pair
    if weights is None:
        pair = onnx_files.find_pair(spec, paths, precision)
        if pair is not None:
            return pair
    dest = onnx_files.library_folder(spec, paths, precision)
    if torch_installed():
        return export_to_library(spec, paths, weights, precision, progress)
    if weights is not None:
        raise ModelUnavailable(
            f"--weights {weights} is a PyTorch checkpoint; turning it into ONNX needs PyTorch, which this "
            "installation does not have.",
            hint=f"Install it ({TORCH_EXTRA}), or give the folder that `reframe export-onnx` writes.",
        )
    return _download_pair(spec, dest, precision, progress)


def export_to_library(
    spec: ModelSpec,
    paths: LibraryPaths,
    weights: Path | None,
    precision: str,
    progress: Progress | None = None,
    dest: Path | None = None,
) -> onnx_files.OnnxPair:
    """Export ``spec`` (its checkpoint, downloaded if needed, or ``weights``) into the library's models/."""
    from desktop.models.onnx_export import export_onnx

    encoder = _load_torch(spec, paths, weights, "cpu", progress)
    source = weights or weights_path(spec, paths)
    dest = dest or onnx_files.library_folder(spec, paths, precision)
    _log.info("exporting %s to ONNX (%s) in %s", spec.name, precision, dest)
    return export_onnx(encoder, spec, dest, precision=precision, source={"weights": source.name})


def export_folder_model(name: str, folder: Path, precision: str = "fp32") -> onnx_files.OnnxPair:
    """Export a model kept as ``open_clip_config.json`` + ``model.safetensors`` in ``folder`` (a fresh
    ``reframe train``) to ``folder/onnx-<precision>``, so it can ship as a bundled model."""
    from dataclasses import replace

    from desktop.models.onnx_export import export_onnx

    spec = resolve_bundled(replace(get_spec(name), bundled_dir=Path(folder)))
    dest = onnx_files.bundled_folder(spec, precision)
    assert dest is not None
    encoder = _load_torch(spec, LibraryPaths(Path(folder)), None, "cpu", None)
    return export_onnx(encoder, spec, dest, precision=precision, source={"weights": BUNDLED_WEIGHTS})


def _download_pair(spec: ModelSpec, dest: Path, precision: str, progress: Progress | None) -> onnx_files.OnnxPair:
    urls = {f: onnx_asset_url(spec, precision, f) for f in (onnx_files.IMAGE, onnx_files.TEXT, onnx_files.CARD)}
    if any(u is None for u in urls.values()):
        raise ModelUnavailable(
            f"There are no ONNX files for {spec.name} and none can be made here.",
            hint=f"Reinstall Reframe, or install PyTorch ({TORCH_EXTRA}) so they can be exported.",
        )
    pins = onnx_pins().get(f"{spec.name}/{precision}", {})
    for file, url in urls.items():
        assert url is not None
        bar = tqdm_progress(f"Downloading {spec.name} {file}") if progress is None and sys.stderr.isatty() else None
        try:
            fetch(url, dest / file, sha256=pins.get(file), progress=progress or bar, model=spec.name)
        finally:
            if bar is not None:
                bar.close()
    pair = onnx_files.read_pair(dest, spec)
    if pair is None:
        raise ModelUnavailable(f"The download of {spec.name} left no {onnx_files.CARD} in {dest}.")
    return pair


def _hub(
    spec: ModelSpec, paths: LibraryPaths, weights: Path | None, progress: Progress | None
) -> tuple[torch.nn.Module, ClipTokenizer, Path]:
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
    context = int(getattr(model, "context_length", 77) or 77)
    return model, shared_tokenizer(context), path


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


def _bundled(spec: ModelSpec, weights: Path | None) -> tuple[torch.nn.Module, ClipTokenizer, Path]:
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
    return model, shared_tokenizer(int(context)), path


def _load_weights(model: torch.nn.Module, path: Path, spec: ModelSpec, *, user_file: bool) -> None:
    """Load ``path`` into ``model`` strictly; any failure is a ModelUnavailable saying what to do."""
    try:
        state = read_state_dict(path)
    except OSError as e:
        why = f"it cannot be read ({(e.strerror or 'read error').lower()})"
        raise _weights_refused(path, spec, why, e, user_file=user_file) from e
    except ValueError as e:  # read_state_dict's own: not a checkpoint at all
        why = "it is not a model checkpoint (a damaged or incomplete download, or another kind of file)"
        raise _weights_refused(path, spec, why, e, user_file=user_file) from e
    try:
        model.load_state_dict(_adapt(model, state), strict=True)
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError) as e:  # names or shapes differ
        why = "its layers do not match this model (the checkpoint of another model, or an incomplete one)"
        raise _weights_refused(path, spec, why, e, user_file=user_file) from e


def _weights_refused(
    path: Path, spec: ModelSpec, why: str, error: BaseException, *, user_file: bool
) -> ModelUnavailable:
    """What to tell about a weights file that cannot be used, in our words: the library's raw error (PyTorch's
    list of missing keys, the unpickler's complaint) goes to the log only."""
    _log.warning("weights %s refused for %s: %s: %s", path, spec.name, type(error).__name__, error)
    if user_file:
        hint = f"Give the open_clip checkpoint of {spec.arch}" + (f" ({spec.url})" if spec.url else "") + "."
    elif spec.source == "bundled":
        hint = "The installation is damaged: reinstall Reframe."
    else:
        hint = f"The file may be damaged: delete {path} and run again to download it afresh."
    return ModelUnavailable(f"{path} cannot be loaded as the weights of {spec.name} ({spec.arch}): {why}.", hint=hint)


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
