"""Export a loaded open_clip model's two towers to ONNX (needs torch), check them, and write their card.

The image tower takes ``(n, 3, s, s)`` float32 pixels from :class:`~desktop.models.transform.Preprocess`;
the text tower takes ``(n, L)`` int64 token ids. Both have a dynamic batch. For a CLIP whose text tower
is causal and pools at the end-of-text token (every registry backbone and shapes-tiny), ``L`` is dynamic
too: the tower slices its position embeddings and causal mask to ``L``, so the encoder can drop the
padding after a batch's longest caption (the same features, ~3x less work; see clip_encoder). Other
text towers are exported at their full context length.

After export both towers run once in ONNX Runtime beside torch on the same inputs; the cosine between
the two is recorded in the card, and an export below :data:`MIN_COSINE` (fp32) is refused. ``int8`` is
ONNX Runtime's dynamic quantisation of the fp32 files (weights int8, activations quantised per batch).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from desktop.models.onnx_files import IMAGE, PRECISIONS, TEXT, OnnxPair, read_pair, write_card
from desktop.models.registry import ModelSpec

if TYPE_CHECKING:
    import torch

    from desktop.models.clip_encoder import OpenClipEncoder

OPSET = 18  # the lowest the dynamo exporter (dynamic text length) has; ONNX Runtime >= 1.14 runs it
MIN_COSINE = {"fp32": 0.9999, "int8": 0.98}
_log = logging.getLogger("reframe.models.export")

CHECK_TEXTS = [
    "a photo",
    "a red circle on a white background",
    "a dog on a beach at night, with the moon above the sea and a lighthouse far away",
    "make the car red",
]


def _towers(model: Any, trim: bool) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The image tower and the text tower (trimmed or full-length) as modules with one input each."""
    import torch

    from desktop.models.clip_encoder import encode_trimmed_text

    class Tower(torch.nn.Module):
        def __init__(self, forward: Callable[[Any, torch.Tensor], torch.Tensor]) -> None:
            super().__init__()
            self.model = model  # a submodule, so the exporters see its parameters
            self._forward = forward

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self._forward(self.model, x)

    image = Tower(lambda m, pixels: m.encode_image(pixels))
    text = Tower(encode_trimmed_text if trim else lambda m, tokens: m.encode_text(tokens))
    return image.eval(), text.eval()


def export_onnx(
    encoder: OpenClipEncoder,
    spec: ModelSpec,
    dest: Path,
    *,
    precision: str = "fp32",
    source: dict[str, Any] | None = None,
) -> OnnxPair:
    """Export ``encoder``'s model into ``dest`` (replaced whole, atomically) and return the pair."""
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}")
    started = time.perf_counter()
    model = encoder.model.float().cpu().eval()
    trim = encoder.text_trimmable
    context = encoder.context_length
    image_tower, text_tower = _towers(model, trim)
    size = spec.image_size
    rng = np.random.default_rng(0)
    pixels = rng.standard_normal((3, 3, size, size)).astype(np.float32)  # traced with 2, checked with 3
    tokens = encoder.tokenize(CHECK_TEXTS).numpy()
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        fp32 = work / "fp32"
        fp32.mkdir()
        with torch.no_grad():
            _export(image_tower, torch.from_numpy(pixels[:2]), fp32 / IMAGE, "pixels", max_length=None)
            sample_tokens = tokens[:2, : _used_length(tokens[:2])] if trim else tokens[:2]
            longest = context if trim else None
            _export(text_tower, torch.from_numpy(sample_tokens), fp32 / TEXT, "tokens", max_length=longest)
            want_image = image_tower(torch.from_numpy(pixels)).numpy()
            want_text = text_tower(torch.from_numpy(tokens)).numpy()
        out = work / "out"
        if precision == "int8":
            out.mkdir()
            _quantize(fp32 / IMAGE, out / IMAGE)
            _quantize(fp32 / TEXT, out / TEXT)
        else:
            fp32.rename(out)
        check = _check(out, pixels, tokens, want_image, want_text, trim)
        floor = MIN_COSINE[precision]
        if min(check.values()) < floor:
            raise RuntimeError(f"the ONNX export of {spec.name} disagrees with torch: {check} (floor {floor})")
        card = {
            "backbone": spec.name,
            "arch": spec.arch,
            "precision": precision,
            "opset": OPSET,
            "dim": spec.dim,
            "image_size": size,
            "mean": list(spec.mean),
            "std": list(spec.std),
            "context_length": context,
            "text_trim": trim,
            "check_vs_torch": {k: round(v, 7) for k, v in check.items()},
            "source": source or {},
            "exported_with": _versions(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        write_card(out, card)
        if dest.exists():
            old = dest.with_name(dest.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            dest.rename(old)
            out.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            out.rename(dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pair = read_pair(dest)
    assert pair is not None
    _log.info("exported %s (%s) to %s in %.1f s: %s", spec.name, precision, dest, time.perf_counter() - started, check)
    return pair


def _used_length(tokens: np.ndarray) -> int:
    used = np.nonzero((tokens != 0).any(axis=0))[0]
    return int(used[-1]) + 1 if len(used) else 1


def _export(module: torch.nn.Module, sample: torch.Tensor, path: Path, name: str, max_length: int | None) -> None:
    """Trace ``module`` to ONNX with a dynamic batch (and, for trimmed text, a dynamic length).

    A dynamic length needs torch's dynamo exporter: the TorchScript tracer bakes the sequence length
    into nn.MultiheadAttention's reshapes. Everything else takes the TorchScript tracer, which is
    several times quicker; the check after export runs other batch sizes and lengths than traced.
    """
    import contextlib
    import io
    import warnings

    import torch

    fastpath = torch.backends.mha.get_fastpath_enabled()
    # nn.MultiheadAttention's inference fast path is one fused op ONNX has no export for: trace the plain one.
    torch.backends.mha.set_fastpath_enabled(False)
    chatter = io.StringIO()  # the dynamo exporter prints its steps to stdout
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(chatter):
            warnings.simplefilter("ignore")  # tracer and deprecation chatter; the check below is what counts
            if max_length is not None:
                batch = torch.export.Dim("batch", min=1, max=65536)
                length = torch.export.Dim("length", min=2, max=max_length)
                torch.onnx.export(
                    module,
                    (sample,),
                    str(path),
                    input_names=[name],
                    output_names=["features"],
                    dynamic_shapes=({0: batch, 1: length},),  # by position: the one input
                    opset_version=OPSET,
                    dynamo=True,
                    external_data=False,
                )
            else:
                torch.onnx.export(
                    module,
                    (sample,),
                    str(path),
                    input_names=[name],
                    output_names=["features"],
                    dynamic_axes={name: {0: "batch"}, "features": {0: "batch"}},
                    opset_version=OPSET,
                    do_constant_folding=True,
                    dynamo=False,
                )
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    _log.debug("export of %s: %s", path.name, chatter.getvalue().strip())


def _quantize(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs advice for its developers on the root logger
    try:
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)


def _check(
    folder: Path, pixels: np.ndarray, tokens: np.ndarray, want_image: np.ndarray, want_text: np.ndarray, trim: bool
) -> dict[str, float]:
    from desktop.models.onnx_encoder import new_session

    image = new_session(folder / IMAGE, threads=1)
    text = new_session(folder / TEXT, threads=1)
    got_image = image.run(None, {"pixels": pixels})[0]
    got_text = text.run(None, {"tokens": tokens[:, : _used_length(tokens)] if trim else tokens})[0]
    text_cos = _min_cosine(got_text, want_text)
    if trim:  # also whole rows: the padding after the end of text changes nothing
        text_cos = min(text_cos, _min_cosine(text.run(None, {"tokens": tokens})[0], want_text))
    return {"image_cosine_min": _min_cosine(got_image, want_image), "text_cosine_min": text_cos}


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    cos = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return float(cos.min())


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("torch", "open_clip_torch", "onnx", "onnxruntime"):
        with contextlib.suppress(PackageNotFoundError):
            out[pkg] = version(pkg)
    return out


def describe(pair: OnnxPair) -> str:
    return json.dumps({k: pair.card.get(k) for k in ("backbone", "precision", "opset", "check_vs_torch")})
