"""``reframe self-test``: prove that an installed copy of Reframe works, without a display or a network.

It checks what an installer can break: the bundled files are where the app looks for them, the inference
backend (ONNX Runtime, or torch where it is installed and chosen) imports and runs, the catalog, the vector
index and the image decoders work, and the window opens.

1. the installation: version, frozen or not, the ``resources/`` folder, the bundled ``shapes-tiny`` model
   and its Combiner; the backend the app would use (the same choice it makes: ``--backend``,
   ``REFRAME_BACKEND``, else ONNX Runtime on a CPU) with its version and precision, or torch's build and
   device;
2. builds a small demo library of shapes scenes in a temporary folder (:mod:`desktop.shapes.demo`) and
   indexes it with ``shapes-tiny`` through :class:`desktop.library.Library`, as the app does;
3. a text query (``"a red circle"``): the first result and at least 2 of the top 3 must show red circles,
   read back from the demo's ``captions.json`` (the search itself never reads it);
4. an image query: a re-encoded, resized copy of one library photo, kept outside the library, must find
   that photo first;
5. a composed query (reference image + ``"make the square red"``): the top result must be the planted
   target, a large red square in the center on a white background, and with a bundled Combiner it must be
   the Combiner that answered; on ONNX Runtime, none of this may have imported torch;
6. in a "full" build (hub weights bundled), the default model's weights are found without a download and
   the model encodes a text;
7. when PySide6 imports: the main window opens offscreen on the same library, the model becomes ready
   behind it, and the window closes cleanly.

Everything is written to a temporary library that is removed afterwards (``--keep`` keeps it). Exit status
0 when every check passed, 1 otherwise; each check prints one line.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

MODEL = "shapes-tiny"
TARGET_CAPTION = "a large red square in the center on a white background"
DEFAULT_COUNT = 120
GUI_TIMEOUT_S = 120.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


class Report:
    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.checks: list[Check] = []

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        self.write(f"{'ok  ' if ok else 'FAIL'}  {name}: {detail}")
        return ok

    def info(self, text: str) -> None:
        self.write(f"      {text}")

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def _writer() -> Callable[[str], None]:
    """Print to stdout; a windowed build on Windows has none, so write to a log file there instead."""
    if sys.stdout is not None:

        def write(line: str) -> None:
            print(line, flush=True)

        return write
    log = Path(tempfile.gettempdir()) / "reframe-self-test.log"
    log.write_text("", encoding="utf-8")

    def write_file(line: str) -> None:
        with log.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    return write_file


# -- the checks -------------------------------------------------------------------------------------


def check_install(report: Report) -> bool:
    from desktop import __version__
    from desktop.compose.weights import FILE_NAME as COMBINER_FILE
    from desktop.paths import RESOURCES
    from desktop.paths import safe_name as _safe

    frozen = bool(getattr(sys, "frozen", False))
    report.add(
        "install",
        True,
        f"Reframe {__version__}, {'frozen build' if frozen else 'Python ' + platform.python_version()} "
        f"on {platform.system()} {platform.machine()}, executable {sys.executable}",
    )
    shapes = RESOURCES / "models" / MODEL
    needed = [shapes / "open_clip_config.json", shapes / "model.safetensors"]
    missing = [str(p) for p in needed if not p.is_file()]
    ok = report.add(
        "resources",
        not missing,
        f"{RESOURCES} holds the bundled {MODEL} model" if not missing else "missing " + ", ".join(missing),
    )
    combiner = RESOURCES / "models" / _safe(MODEL) / COMBINER_FILE
    report.info(f"bundled Combiner: {combiner if combiner.is_file() else 'none (composed search falls back to sum)'}")
    icons = sorted(p.name for p in (RESOURCES / "icons").glob("*")) if (RESOURCES / "icons").is_dir() else []
    report.info(f"icons: {', '.join(icons) if icons else 'none'}")
    return ok


def check_backend(report: Report, backend: str | None, device: str | None, precision: str) -> tuple[str, str] | None:
    """What will run the model, chosen as the app chooses it; returns (backend, device), or None on failure.

    ONNX Runtime is the base install's backend (and the only one in the CPU installers, which carry no
    torch); torch runs only when asked for or when ``auto`` sees a GPU and torch is installed.
    """
    from desktop.errors import ReframeError
    from desktop.models.backend import choose_backend, torch_installed

    try:
        chosen = choose_backend(backend, device)
    except ReframeError as exc:
        report.add("backend", False, exc.message + (f" {exc.hint}" if exc.hint else ""))
        return None
    if chosen == "onnx":
        try:
            import onnxruntime

            from desktop.models.onnx_encoder import cpu_threads, providers

            chosen_providers = providers()
        except Exception as exc:  # an import failure here is exactly what a broken bundle looks like
            report.add("backend", False, f"ONNX Runtime: {type(exc).__name__}: {exc}")
            return None
        report.add(
            "backend",
            True,
            f"ONNX Runtime {onnxruntime.__version__}, {precision}, {', '.join(chosen_providers)} with "
            f"{cpu_threads()} threads (override with --backend or REFRAME_BACKEND)",
        )
        report.info(f"torch: {'installed (--backend torch)' if torch_installed() else 'not installed'}")
        return "onnx", "cpu"
    return _check_torch(report, device)


def _check_torch(report: Report, device: str | None) -> tuple[str, str] | None:
    """The torch build and the device the app would pick on it."""
    try:
        import torch

        from desktop.models.device import pick_device

        chosen = pick_device(device)
    except Exception as exc:
        report.add("backend", False, f"torch: {type(exc).__name__}: {exc}")
        return None
    cuda_build = torch.version.cuda
    cuda_ok = torch.cuda.is_available()
    mps_ok = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    build = f"CUDA {cuda_build} build" if cuda_build else "CPU/MPS build" if sys.platform == "darwin" else "CPU build"
    gpu = torch.cuda.get_device_name(0) if cuda_ok else ("Apple GPU (MPS)" if mps_ok else "no GPU found")
    report.add(
        "backend",
        True,
        f"torch {torch.__version__} ({build}) on {chosen}; cuda available: {cuda_ok}, mps available: {mps_ok}; "
        f"{gpu} (override with --backend/--device or REFRAME_BACKEND/REFRAME_DEVICE)",
    )
    return "torch", chosen


def check_search(report: Report, root: Path, count: int, backend: str, device: str, precision: str) -> bool:
    from PIL import Image

    from desktop.compose.weights import default_search_dirs, find_combiner
    from desktop.library import Library
    from desktop.shapes.demo import COMPOSED_TEXT, TEXT_QUERY, build_demo_library

    t0 = time.perf_counter()
    demo = build_demo_library(root / "demo", count=count)
    report.add("demo library", len(demo.captions) == count, f"{len(demo.captions)} scenes in {demo.photos}")
    all_ok = True
    with Library.open(root / "library", MODEL, device=device, backend=backend, precision=precision) as lib:
        lib.add_root(demo.photos)
        summary = lib.index()
        # The loader may fall back (auto saw a GPU driver that torch cannot use): say what really ran, and
        # fail when it is not what the backend check reported.
        ran = f"{'ONNX Runtime ' + lib.precision if lib.backend == 'onnx' else 'torch'} on {lib.device}"
        ok = summary.indexed == count and summary.failed == 0 and lib.backend == backend
        all_ok &= report.add(
            "index",
            ok,
            f"{summary.indexed} indexed, {summary.failed} failed in {summary.seconds:.1f} s with {ran}"
            + ("" if lib.backend == backend else f" (expected {backend})"),
        )
        if not ok:
            return False

        # Text: the top results show red circles (the demo's captions say what each photo shows).
        n_relevant = sum("red circle" in c for c in demo.captions.values())
        k = min(3, n_relevant)
        hits = lib.search(TEXT_QUERY, None, k=5).hits
        shown = [demo.caption_of(h.path) for h in hits]
        good = sum("red circle" in c for c in shown[:k])
        # The first must be a red circle and most of the top 3: strict enough to catch a broken model or
        # preprocessing, loose enough that a last-digit difference between CPUs cannot fail a release.
        ok = k > 0 and bool(shown) and "red circle" in shown[0] and good >= k - (k // 3)
        all_ok &= report.add(
            "text search",
            ok,
            f'"{TEXT_QUERY}": {good} of the top {k} show a red circle ({n_relevant} in the library); '
            f"first: {shown[0] if shown else 'nothing'}",
        )

        # Image: a re-encoded, resized copy kept outside the library finds its original first.
        counts: dict[str, int] = {}
        for c in demo.captions.values():
            counts[c] = counts.get(c, 0) + 1
        name = next(n for n in sorted(demo.captions) if counts[demo.captions[n]] == 1)
        original = demo.photos / name
        copy = root / "query-copy.jpg"
        with Image.open(original) as opened:
            im = opened.convert("RGB")
            im.resize((im.width * 9 // 10, im.height * 9 // 10), Image.Resampling.BICUBIC).save(copy, quality=85)
        res = lib.search(None, str(copy), k=5)
        first = Path(res.hits[0].path).name if res.hits else None
        all_ok &= report.add(
            "image search",
            first == name,
            f"a re-encoded copy of {name} ({demo.captions[name]}) found "
            f"{first or 'nothing'} first" + ("" if first == name else f" ({demo.caption_of(first or '')})"),
        )

        # Composed: reference + change; the planted target first, from the Combiner when one is bundled.
        combiner = find_combiner(MODEL, default_search_dirs(lib.paths.combiners))
        res = lib.search(COMPOSED_TEXT, str(demo.reference), k=5)
        top = demo.caption_of(res.hits[0].path) if res.hits else "nothing"
        ok = top == TARGET_CAPTION and (combiner is None or res.mode == "combiner")
        all_ok &= report.add(
            "composed search",
            ok,
            f'blue square + "{COMPOSED_TEXT}" [{res.mode}]: first is {top}'
            + ("" if combiner is not None else " (no Combiner bundled)"),
        )
    if backend == "onnx":
        # The CPU installers carry no torch, and a dev install must not load it for this path either
        # (importing it costs seconds and most of a gigabyte).
        # (A None entry is a module marked as absent, not an import.)
        imported = {name.split(".")[0] for name, module in list(sys.modules.items()) if module is not None}
        loaded = sorted(imported & {"torch", "open_clip", "torchvision"})
        all_ok &= report.add(
            "no torch",
            not loaded,
            "indexing and the three searches ran without importing torch"
            if not loaded
            else f"the ONNX path imported {', '.join(loaded)}",
        )
    report.info(f"core checks took {time.perf_counter() - t0:.1f} s")
    return all_ok


def check_bundled_hub_weights(report: Report, root: Path, backend: str, device: str, precision: str) -> bool:
    """A "full" installer carries the default model's weights under ``resources/weights``."""
    from desktop.paths import RESOURCES

    bundled = RESOURCES / "weights"
    if not bundled.is_dir():
        report.info("backbone weights: not bundled (downloaded into the library on first use)")
        return True
    from desktop.models.loader import load_encoder, weights_status
    from desktop.models.registry import DEFAULT_MODEL
    from desktop.paths import LibraryPaths

    paths = LibraryPaths(root / "library").ensure()
    status = weights_status(DEFAULT_MODEL, paths)
    if not report.add("bundled weights", status != "missing", f"{DEFAULT_MODEL}: {status} (from {bundled})"):
        return False
    try:
        enc = load_encoder(DEFAULT_MODEL, paths, device=device, backend=backend, precision=precision)
        dim = enc.encode_texts(["a photo of a dog"]).shape[1]
    except Exception as exc:
        return report.add("bundled model", False, f"{type(exc).__name__}: {exc}")
    return report.add(
        "bundled model",
        dim == enc.dim,
        f"{DEFAULT_MODEL} encodes a text ({dim} dims) with {getattr(enc, 'backend', backend)} on {enc.device}",
    )


def check_gui(report: Report, root: Path, backend: str, timeout_s: float = GUI_TIMEOUT_S) -> bool:
    """Open the main window offscreen on the self-test library, wait for the model, close it."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from desktop.gui.selftest_window import open_window_and_close
    except ImportError as exc:
        report.info(f"window: skipped, PySide6 does not import ({exc})")
        return True
    try:
        ok, detail = open_window_and_close(root / "library", MODEL, timeout_s, backend=backend)
    except Exception as exc:
        return report.add("window", False, f"{type(exc).__name__}: {exc}")
    return report.add("window", ok, detail)


# -- entry -------------------------------------------------------------------------------------------


def run(
    *,
    library: Path | None = None,
    count: int = DEFAULT_COUNT,
    device: str | None = None,
    backend: str | None = None,
    precision: str | None = None,
    gui: bool = True,
    keep: bool = False,
    write: Callable[[str], None] | None = None,
) -> int:
    if count < 20:
        raise ValueError("the self-test needs at least 20 demo photos")
    write = write or _writer()
    report = Report(write)
    started = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    root = Path(library) if library else Path(tempfile.mkdtemp(prefix="reframe-self-test-"))
    root.mkdir(parents=True, exist_ok=True)
    write(f"Reframe self-test in {root}")
    try:
        prec = precision or "fp32"
        chosen = check_backend(report, backend, device, prec) if check_install(report) else None
        if chosen is not None:
            runs, dev = chosen
            check_search(report, root, count, runs, dev, prec)
            check_bundled_hub_weights(report, root, runs, dev, prec)
            if gui:
                check_gui(report, root, runs)
    except Exception as exc:
        import traceback

        report.add("unexpected error", False, f"{type(exc).__name__}: {exc}")
        write(traceback.format_exc())
    finally:
        if not keep and library is None:
            shutil.rmtree(root, ignore_errors=True)
    seconds = time.perf_counter() - started
    if report.failed:
        write(f"self-test FAILED: {', '.join(c.name for c in report.failed)} ({seconds:.1f} s)")
        return 1
    write(f"self-test passed: {len(report.checks)} checks in {seconds:.1f} s")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"demo photos to index (default {DEFAULT_COUNT})")
    p.add_argument("--no-gui", action="store_true", help="skip opening the window")
    p.add_argument("--keep", action="store_true", help="keep the temporary library and print where it is")
    p.add_argument("--device", choices=("cuda", "mps", "cpu"), help="device to run the model on (default: best)")
    p.add_argument("--backend", choices=("auto", "onnx", "torch"), help="what runs the model (default: as the app)")
    p.add_argument("--precision", choices=("fp32", "int8"), help="ONNX Runtime weights (default fp32)")
    p.add_argument("--library", metavar="DIR", help="run in this folder instead of a temporary one (kept)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reframe self-test", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run_args(parser.parse_args(argv))


def run_args(args: argparse.Namespace) -> int:
    """Run with options parsed by :func:`add_arguments` (``python -m desktop.selftest`` or ``reframe self-test``)."""
    return run(
        library=Path(args.library) if args.library else None,
        count=args.count,
        device=args.device,
        backend=getattr(args, "backend", None),
        precision=getattr(args, "precision", None),
        gui=not args.no_gui,
        keep=args.keep,
    )


if __name__ == "__main__":
    sys.exit(main())
