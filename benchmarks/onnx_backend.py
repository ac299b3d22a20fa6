"""ONNX Runtime against torch on the same model: fidelity (cosine to torch fp32) and speed, fp32 and int8.

A random-init open_clip ViT-B-32 (seeded; the same arithmetic as the trained one, so the same speed) is
saved as a checkpoint and exported with ``reframe export-onnx``'s code path into the scratch folder, in
fp32 and int8. Then, in alternating rounds (torch, ONNX fp32, ONNX int8, torch, ...):

* image tower: batches of 32 preprocessed photo-like images, images per second;
* text tower: batches of 32 captions (trimmed after the longest, both backends), captions per second;
* one caption alone (what a search pays), milliseconds.

Fidelity: the cosine between each backend's features and torch fp32's on 96 photo-like images and 64
captions (min and mean), and the overlap of the top-10 images for each caption (text -> image search)
with torch's. Random weights make int8's fidelity a floor, not a promise for trained weights.

    python -m benchmarks.onnx_backend [--rounds 5] [--arch ViT-B-32] [--threads 2]
"""

from __future__ import annotations

import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import add_output_args, arg_parser, begin, finish, table

CAPTIONS = [
    "a dog on a beach at night",
    "a red bicycle against a wall",
    "same place but in winter",
    "two children playing football in a park on a sunny afternoon",
    "a bowl of ramen",
    "the eiffel tower at sunset with clouds",
    "a black cat sleeping on a sofa",
    "snow covered mountains above a lake",
]


def photo(seed: int, w: int = 500, h: int = 375) -> Any:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (w, h), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.randrange(10, 120)
        fill = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x - r, y - r, x + r, y + r), fill=fill)
    noise = np.random.default_rng(seed).normal(0, 12, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(img, np.float32) + noise, 0, 255).astype(np.uint8))


def cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def top10_overlap(text_a: np.ndarray, img_a: np.ndarray, text_b: np.ndarray, img_b: np.ndarray) -> float:
    def top(t: np.ndarray, i: np.ndarray) -> np.ndarray:
        t = t / np.linalg.norm(t, axis=-1, keepdims=True)
        i = i / np.linalg.norm(i, axis=-1, keepdims=True)
        return np.argsort(-(t @ i.T), axis=1)[:, :10]

    ta, tb = top(text_a, img_a), top(text_b, img_b)
    return float(np.mean([len(set(x) & set(y)) / 10 for x, y in zip(ta, tb, strict=True)]))


def main() -> None:
    ap = arg_parser(__doc__)
    ap.add_argument("--arch", default="ViT-B-32")
    ap.add_argument("--model", default="ViT-B-32/laion2b_s34b_b79k", help="registry entry the export is for")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    add_output_args(ap, "onnx_backend")
    args = ap.parse_args()
    os.environ["REFRAME_THREADS"] = str(args.threads)
    info = begin(torch_info=True)

    import open_clip
    import torch

    from desktop.models import loader
    from desktop.models.registry import get_spec
    from desktop.paths import LibraryPaths

    torch.set_num_threads(args.threads)
    scratch: Path = args.scratch / "onnx_backend"
    paths = LibraryPaths(scratch / "library").ensure()
    ckpt = scratch / f"{args.arch}-random.bin"
    if not ckpt.is_file():
        torch.manual_seed(0)
        model = open_clip.create_model(args.arch, pretrained=None)
        torch.save(model.state_dict(), ckpt)
    spec = get_spec(args.model)
    t0 = time.perf_counter()
    enc_torch = loader.load_encoder(spec.name, paths, weights=ckpt, backend="torch", device="cpu")
    torch_load = time.perf_counter() - t0
    exports: dict[str, float] = {}
    pairs = {}
    for precision in ("fp32", "int8"):
        t0 = time.perf_counter()
        pairs[precision] = loader.export_to_library(spec, paths, ckpt, precision)
        exports[precision] = round(time.perf_counter() - t0, 1)
    encoders: dict[str, Any] = {"torch fp32": enc_torch}
    loads: dict[str, float] = {"torch fp32": round(torch_load, 2)}
    for precision in ("fp32", "int8"):
        loader.clear_cache()
        t0 = time.perf_counter()
        encoders[f"onnx {precision}"] = loader.load_encoder(spec.name, paths, backend="onnx", precision=precision)
        loads[f"onnx {precision}"] = round(time.perf_counter() - t0, 2)

    pre = enc_torch.preprocess
    pixels = np.stack([pre(photo(i)) for i in range(96)])
    captions = [f"{c}, photo {i}" if i >= len(CAPTIONS) else c for i, c in enumerate(CAPTIONS * 8)]
    want_img, want_txt = enc_torch.encode_images(pixels), enc_torch.encode_texts(captions)
    fidelity = {}
    for name, enc in encoders.items():
        img, txt = enc.encode_images(pixels), enc.encode_texts(captions)
        ci, ct = cos(img, want_img), cos(txt, want_txt)
        fidelity[name] = {
            "image_cos_min": round(float(ci.min()), 6),
            "image_cos_mean": round(float(ci.mean()), 6),
            "text_cos_min": round(float(ct.min()), 6),
            "text_cos_mean": round(float(ct.mean()), 6),
            "top10_overlap_text_to_image": round(top10_overlap(txt, img, want_txt, want_img), 3),
        }

    batch = pixels[:32]
    speed: dict[str, dict[str, list[float]]] = {n: {"img_s": [], "cap_s": [], "one_caption_ms": []} for n in encoders}
    for _ in range(args.rounds):
        for name, enc in encoders.items():  # alternated: each round runs every side once
            t0 = time.perf_counter()
            enc.encode_images(batch)
            speed[name]["img_s"].append(32 / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            enc.encode_texts(captions[:32])
            speed[name]["cap_s"].append(32 / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            enc.encode_texts(["a dog on a beach at night"])
            speed[name]["one_caption_ms"].append(1000 * (time.perf_counter() - t0))

    def med(xs: list[float]) -> float:
        return statistics.median(xs)

    rows = []
    base = speed["torch fp32"]
    for name in encoders:
        s = speed[name]
        ratios = [a / b for a, b in zip(s["img_s"], base["img_s"], strict=True)]
        rows.append(
            [
                name,
                med(s["img_s"]),
                f"{med(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})",
                med(s["cap_s"]),
                med(s["one_caption_ms"]),
                fidelity[name]["image_cos_min"],
                fidelity[name]["text_cos_min"],
                fidelity[name]["top10_overlap_text_to_image"],
                loads[name],
            ]
        )
    print(
        table(
            [
                "backend",
                "img/s",
                "vs torch",
                "captions/s",
                "1 caption ms",
                "img cos min",
                "txt cos min",
                "top-10 overlap",
                "load s",
            ],
            rows,
        )
    )
    print(f"export time (s): {exports}; files: " + ", ".join(f"{p}: {_mb(pairs[p].folder)} MB" for p in pairs))
    finish(
        "onnx_backend",
        info,
        {
            "arch": args.arch,
            "threads": args.threads,
            "rounds": args.rounds,
            "fidelity": fidelity,
            "speed": speed,
            "load_seconds": loads,
            "export_seconds": exports,
            "files_mb": {p: _mb(pairs[p].folder) for p in pairs},
        },
        args,
    )


def _mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.iterdir()) / 1e6, 1)


if __name__ == "__main__":
    main()
