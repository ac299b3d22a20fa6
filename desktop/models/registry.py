"""The models Reframe knows by name: where their weights come from and what they produce.

Nothing here imports torch. A :class:`ModelSpec` is pure data; :mod:`desktop.models.loader` turns one into
an :class:`~desktop.models.encoder.Encoder`.

Hub weights are the open_clip checkpoints published on the Hugging Face hub, fetched by plain HTTPS from
``https://huggingface.co/<repo>/resolve/main/<file>``. The URLs follow ``open_clip/pretrained.py`` (open_clip
3.3), which names the same repositories; the file is ``open_clip_pytorch_model.bin``, the one open_clip itself
asks for (a plain state dict, read with ``torch.load(weights_only=True)``). The URLs follow ``main``, not a
pinned commit, since no commit id can be checked from here.

``sha256`` is ``None`` for every hub entry: the hashes cannot be verified from the machines this project is
built on, and an unverified hash would be worse than none. For those, :func:`desktop.models.download.fetch`
checks that the download is complete, the loader checks that the file loads strictly into the
architecture, and the hash seen is written next to the file (``<file>.sha256``) so it can be pinned here.

ONNX files (for installs without torch) are release assets of the project: the release workflow exports
each backbone (``reframe export-onnx``), uploads ``<safe name>-<precision>-{image.onnx,text.onnx,card.json}``
under :data:`MODEL_ASSETS_URL` and writes their sha256 into ``resources/models/onnx-pins.json``, which
every installer carries; :func:`onnx_pins` reads it. ``REFRAME_MODEL_ASSETS`` points elsewhere (a mirror,
a local folder served over HTTP for tests).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from desktop.errors import UsageError
from desktop.models.transform import OPENAI_MEAN, OPENAI_STD
from desktop.paths import RESOURCES, safe_name

Source = Literal["hub", "bundled", "test"]
Triple = tuple[float, float, float]

DEFAULT_MODEL = "ViT-B-32/laion2b_s34b_b79k"
BUNDLED_CONFIG = "open_clip_config.json"
BUNDLED_WEIGHTS = "model.safetensors"

_HF = "https://huggingface.co"
MODEL_ASSETS_URL = "https://github.com/reframe-photos/reframe/releases/download/models-1"
ENV_MODEL_ASSETS = "REFRAME_MODEL_ASSETS"
ONNX_PINS = RESOURCES / "models" / "onnx-pins.json"


@dataclass(frozen=True)
class ModelSpec:
    """One named model. ``source`` says where its weights come from:

    - ``"hub"``: downloaded from ``url`` into the library's ``models/`` folder, or given with ``--weights``;
      ``arch`` is an open_clip model name.
    - ``"bundled"``: shipped in ``bundled_dir`` as ``open_clip_config.json`` + ``model.safetensors``.
    - ``"test"``: the torch-free :class:`desktop.models.testing.PixelEncoder`; never listed.
    """

    name: str
    arch: str
    pretrained: str
    dim: int
    image_size: int
    description: str
    source: Source = "hub"
    url: str | None = None
    sha256: str | None = None  # None: not verified offline, see the module docstring
    size_bytes: int | None = None  # approximate, for messages only
    bundled_dir: Path | None = None
    hidden: bool = False
    mean: Triple = OPENAI_MEAN
    std: Triple = OPENAI_STD

    @property
    def filename(self) -> str:
        """Name of the weights file on disk (the last part of ``url``)."""
        if self.url:
            return self.url.rstrip("/").rsplit("/", 1)[-1]
        return BUNDLED_WEIGHTS


def _hub(
    arch: str,
    tag: str,
    repo: str,
    file: str,
    *,
    dim: int,
    image_size: int,
    size_bytes: int,
    description: str,
    mean: Triple = OPENAI_MEAN,
    std: Triple = OPENAI_STD,
) -> ModelSpec:
    return ModelSpec(
        name=f"{arch}/{tag}",
        arch=arch,
        pretrained=tag,
        dim=dim,
        image_size=image_size,
        description=description,
        url=f"{_HF}/{repo}/resolve/main/{file}",
        size_bytes=size_bytes,
        mean=mean,
        std=std,
    )


_BUILTIN: tuple[ModelSpec, ...] = (
    # Default. LAION-2B ViT-B/32: 66.6 % ImageNet zero-shot, ~150 M parameters (~605 MB in float32), a
    # 7x7 patch grid at 224 px so it is the fastest ViT-B (~4.4 GFLOPs/image): usable on a laptop CPU,
    # fast on any GPU. The best quality per second for a first index of a large library.
    _hub(
        "ViT-B-32",
        "laion2b_s34b_b79k",
        "laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
        "open_clip_pytorch_model.bin",
        dim=512,
        image_size=224,
        size_bytes=605_000_000,
        description="Default. Good all-round quality, fast on CPU and GPU (~605 MB).",
    ),
    # Same width, 16 px patches: 70.2 % ImageNet zero-shot and better at small objects, for ~4x the image
    # FLOPs of B/32 (~17.6 GFLOPs). Same download size. For a GPU, or a patient CPU.
    _hub(
        "ViT-B-16",
        "laion2b_s34b_b88k",
        "laion/CLIP-ViT-B-16-laion2B-s34B-b88K",
        "open_clip_pytorch_model.bin",
        dim=512,
        image_size=224,
        size_bytes=599_000_000,
        description="Finer detail than the default, ~4x slower per image (~600 MB).",
    ),
    # Large: 75.3 % ImageNet zero-shot, ~430 M parameters (~1.7 GB), ~81 GFLOPs/image: the best quality
    # here and the slowest; meant for a GPU. 768-dim vectors make its index 1.5x larger. This checkpoint was
    # trained with inputs normalised by mean = std = 0.5, not the OpenAI values.
    _hub(
        "ViT-L-14",
        "laion2b_s32b_b82k",
        "laion/CLIP-ViT-L-14-laion2B-s32B-b82K",
        "open_clip_pytorch_model.bin",
        dim=768,
        image_size=224,
        size_bytes=1_710_000_000,
        mean=(0.5, 0.5, 0.5),
        std=(0.5, 0.5, 0.5),
        description="Best quality, needs a GPU to index quickly (~1.7 GB).",
    ),
    # Small, for CPUs: MobileCLIP-S1 (Apple, DataCompDR): 72.6 % ImageNet zero-shot - better than both
    # B/32 and B/16 above - with a 21.5 M-parameter FastViT image tower (+ 63.4 M text), ~85 M in all
    # (~340 MB). Image tower via timm (an open_clip dependency). Its inputs are scaled to [0, 1] without
    # mean/std normalisation, at 256 px. Licence: apple-amlr (research use); see the model card.
    _hub(
        "MobileCLIP-S1",
        "datacompdr",
        "apple/MobileCLIP-S1-OpenCLIP",
        "open_clip_pytorch_model.bin",
        dim=512,
        image_size=256,
        size_bytes=341_000_000,
        mean=(0.0, 0.0, 0.0),
        std=(1.0, 1.0, 1.0),
        description="Small and fast on CPU, quality near ViT-B-16 (~340 MB; research licence).",
    ),
    # The project's own small CLIP, trained on the synthetic shapes world (shared/shapes-world.md). Ships
    # with the app, so it works offline; dim and image size come from its config (see get_spec).
    ModelSpec(
        name="shapes-tiny",
        arch="shapes-tiny",
        pretrained="bundled",
        dim=256,
        image_size=64,
        description="Tiny bundled model for the synthetic shapes world (demo and tests; works offline).",
        source="bundled",
        bundled_dir=RESOURCES / "models" / "shapes-tiny",
    ),
    # Deterministic torch-free encoder for pipeline tests (desktop.models.testing). Never listed.
    ModelSpec(
        name="test-pixels",
        arch="pixels",
        pretrained="none",
        dim=64,
        image_size=32,
        description="Test-only deterministic encoder (colour layout); not a real model.",
        source="test",
        hidden=True,
    ),
)

_REGISTRY: dict[str, ModelSpec] = {s.name: s for s in _BUILTIN}


def register(spec: ModelSpec, *, replace_existing: bool = False) -> ModelSpec:
    """Add a model (tests, plug-ins). Refuses to shadow an existing name unless asked."""
    if spec.name in _REGISTRY and not replace_existing:
        raise ValueError(f"model {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def available_models(include_hidden: bool = False) -> list[ModelSpec]:
    """Registered models, the default first, then in registration order."""
    specs = [resolve_bundled(s) for s in _REGISTRY.values() if include_hidden or not s.hidden]
    return sorted(specs, key=lambda s: s.name != DEFAULT_MODEL)


#: Set to 1 (the test suite does) to allow the deterministic test encoders.
ENV_TEST_MODELS = "REFRAME_TEST_MODELS"


def get_spec(name: str) -> ModelSpec:
    spec = _REGISTRY.get(name)
    if spec is not None and spec.source == "test" and os.environ.get(ENV_TEST_MODELS) != "1":
        spec = None  # test encoders exist for the test suite only; users never get them
    if spec is None:
        names = ", ".join(s.name for s in available_models())
        raise UsageError(f"Unknown model {name!r}.", hint=f"Available models: {names}.")
    return resolve_bundled(spec)


def read_bundled_config(bundled_dir: Path) -> dict[str, dict] | None:
    """The bundled model's ``open_clip_config.json``, or None when it is absent."""
    path = bundled_dir / BUNDLED_CONFIG
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as f:
        cfg = json.load(f)
    if not isinstance(cfg, dict) or "model_cfg" not in cfg:
        raise ValueError(f"{path}: expected an object with a 'model_cfg' key")
    return cfg


def onnx_asset_url(spec: ModelSpec, precision: str, file: str) -> str | None:
    """Where the release publishes ``file`` of ``spec``'s ONNX export; None for models that ship in the app."""
    if spec.source != "hub":
        return None
    base = os.environ.get(ENV_MODEL_ASSETS) or MODEL_ASSETS_URL
    return f"{base.rstrip('/')}/{safe_name(spec.name)}-{precision}-{file}"


def onnx_pins() -> dict[str, dict[str, str]]:
    """``{"<model>/<precision>": {"image.onnx": sha256, "text.onnx": sha256}}`` from the release; {} if none."""
    try:
        data = json.loads(ONNX_PINS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def resolve_bundled(spec: ModelSpec) -> ModelSpec:
    """For a bundled model, take dim, image size, mean and std from the config that ships with it."""
    if spec.source != "bundled" or spec.bundled_dir is None:
        return spec
    try:
        cfg = read_bundled_config(spec.bundled_dir)
    except (OSError, ValueError):
        return spec  # the loader reports a broken config with a proper message
    if cfg is None:
        return spec
    model_cfg, pre = cfg["model_cfg"], cfg.get("preprocess", {})
    vision_size = model_cfg.get("vision_cfg", {}).get("image_size", spec.image_size)
    if isinstance(vision_size, (list, tuple)):
        vision_size = vision_size[0]
    return replace(
        spec,
        dim=int(model_cfg.get("embed_dim", spec.dim)),
        image_size=int(pre.get("size", vision_size)),
        mean=_triple(pre.get("mean", spec.mean)),
        std=_triple(pre.get("std", spec.std)),
    )


def _triple(values: Sequence[float]) -> Triple:
    a, b, c = (float(v) for v in values)
    return (a, b, c)
