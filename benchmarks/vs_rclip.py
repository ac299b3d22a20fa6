"""Reframe side by side with rclip: text search end to end, indexing from empty, import cost, install size.

Every side runs as a user runs it - a fresh process per command - on the same folders, with the same
architecture: a random-init open_clip ViT-B-32 (pretrained weights cannot be downloaded here; a random
model does the same arithmetic). The sides (``--sides``, default all four):

* ``rclip`` - rclip 4.x (Python >= 3.12, ONNX Runtime, no torch) from its own virtual environment
  (``--rclip``). It is fed the same weights: this script exports the image and text towers with
  ``torch.onnx`` into an rclip data folder (``$RCLIP_DATADIR``, ``HF_HUB_OFFLINE=1``) laid out the way
  rclip's model check expects, with open_clip's BPE vocabulary and placeholder legal files. rclip always
  feeds 256x256 images, so the image export slices out the centre 224x224 first.
* ``torch`` - ``reframe index|search ... --weights FILE`` with the torch backend.
* ``onnx``, ``onnx-int8`` - ``--backend onnx [--precision int8]`` on the pair ``reframe export-onnx``
  made of the same weights in setup.

Measured, with the sides alternated within every repetition (the order reverses from one repetition to
the next, so a drift in machine load falls on every side alike):

* ``search``: ``search --text`` from process start to printed results on a 200-photo library (the one
  the last ``index-small`` runs left, or indexed beforehand): wall time, CPU time (user + sys) and peak
  RSS of the whole process tree (``os.wait4``).
  rclip has no search-only mode: its search is ``rclip -f QUERY`` in the folder with its database
  present, which also rescans the (unchanged) folder, as every rclip search does.
* ``index-small`` / ``index-12mp``: indexing 200 ~500x375 JPEGs and 48 4000x3000 JPEGs from empty
  (a fresh library; rclip with its ``db.sqlite3`` deleted - it has no index-only flag, so its run also
  answers one query). Throughput = photos / wall time of the whole command, start-up included.
* ``imports``: ``import torch, open_clip`` against ``import onnxruntime`` in fresh interpreters of
  Reframe's environment: seconds and peak RSS.
* ``install``: bytes on disk of the inference stack in each environment's site-packages.

Ratios are per repetition (Reframe / rclip, onnx / torch) and reported as median, min-max and the number
of pairs. Generated photos, weights, ONNX files and libraries live under ``--scratch``
(``/tmp/reframe-bench``), never in the repository. ``--quick`` is a smoke test (a few photos, one pair).

Run (from the repository root, in Reframe's environment with the torch extra - the setup exports with
torch; rclip in its own)::

    python -m benchmarks.vs_rclip --rclip /path/to/rclip-venv/bin/rclip
    python -m benchmarks.vs_rclip --rclip ... --quick --out /tmp/x

Writes ``benchmarks/results/vs_rclip.json``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make ``benchmarks`` and ``desktop`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REPO, add_output_args, arg_parser, begin, finish, load_average, table
from benchmarks.index_throughput import ensure_photos, warm_page_cache

MODEL_NAME = "ViT-B-32/laion2b_s34b_b79k"  # Reframe's registry entry whose architecture we instantiate
ARCH = "ViT-B-32"
IMAGE_SIZE = 224  # ViT-B-32's input
RCLIP_IMAGE_SIZE = 256  # what rclip's preprocessing always produces
CONTEXT_LENGTH = 77  # rclip's tokenizer pads/truncates every query to this

# Where rclip 4.x looks for its files under $RCLIP_DATADIR (rclip/model_download.py): the model files in a
# folder named after its own model, the BPE vocabulary, and four legal files whose absence makes it
# download again (which fails offline).
RCLIP_MODEL_SUBDIR = "ViT-B-32-256-datacomp_s34b_b86k"
RCLIP_TOKENIZER = "tokenizer/bpe_simple_vocab_16e6.txt.gz"
RCLIP_LEGAL_FILES = ("LICENSE", "OPENAI-CLIP-MIT.txt", "README.md", "THIRD_PARTY_NOTICES.md")
RCLIP_DB = "db.sqlite3"

SIDES = ("rclip", "torch", "onnx", "onnx-int8")
QUERY = "a red car parked by the sea at sunset"
MIB = 1024 * 1024


# -- running one command and what it cost ------------------------------------------------------------


@dataclass
class Run:
    """One child process: wall time from spawn to exit, CPU time and peak RSS of its whole tree."""

    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_mib: float
    load1: float | None  # 1-minute load average when it ended, to read the noise
    results: int | None = None  # result lines printed (a check that it really searched)
    top: list[str] = field(default_factory=list)

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


# Runs one command and reports what it cost. It runs as a small process of its own between this one and
# the command: a forked child starts with its parent's peak RSS (Linux copies the memory map's high-water
# mark at fork and folds it into the child's ru_maxrss at exec), so a child forked straight from this
# process, which holds a ViT-B-32 and its export, would report this process's peak instead of its own.
# ``os.wait4`` gives the rusage of the child *and* of every descendant it waited for (Linux reports
# RUSAGE_BOTH for a reaped child): CPU time and max RSS cover the whole tree, and are this command's alone -
# unlike getrusage(RUSAGE_CHILDREN), whose max RSS is over all children so far. The clock starts just
# before the spawn, so the launcher's own start-up is not counted.
_LAUNCHER = """
import json, os, subprocess, sys, time
with open(sys.argv[1], "wb") as out:
    t = time.perf_counter()
    p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    _, status, ru = os.wait4(p.pid, 0)
    t = time.perf_counter() - t
print(json.dumps({"wall": t, "rc": os.waitstatus_to_exitcode(status), "user": ru.ru_utime,
                  "sys": ru.ru_stime, "maxrss_kib": ru.ru_maxrss}))
"""


def run_measured(argv: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path) -> tuple[Run, str]:
    """Run ``argv`` to completion (through the launcher above) and measure it; raise when it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    launcher = [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(log), *argv]
    done = subprocess.run(launcher, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    if done.returncode != 0:
        raise RuntimeError(f"launcher failed on {' '.join(argv)}:\n{done.stderr[-4000:]}")
    m = json.loads(done.stdout.strip().splitlines()[-1])
    if m["rc"] != 0:
        raise RuntimeError(f"{' '.join(argv)} (in {cwd}) exited with {m['rc']}:\n{text[-4000:]}")
    load = load_average()
    run = Run(
        wall_s=round(m["wall"], 4),
        user_s=round(m["user"], 4),
        sys_s=round(m["sys"], 4),
        peak_rss_mib=round(m["maxrss_kib"] / 1024, 1),  # Linux: KiB
        load1=load[0] if load else None,
    )
    return run, text


def check_search(side: str, text: str, run: Run) -> None:
    run.top = _hits(text, side)
    run.results = len(run.top)
    if not run.top:
        raise RuntimeError(f"{side} printed no results:\n{text[-2000:]}")


def check_indexed(side: str, text: str, n: int, datadir: Path | None) -> None:
    """Every photo indexed: Reframe's summary line, or the live rows with a vector in rclip's database."""
    if side == "rclip":
        assert datadir is not None
        with closing(sqlite3.connect(datadir / RCLIP_DB)) as db:
            (done,) = db.execute("SELECT count(*) FROM images WHERE deleted IS NULL AND vector IS NOT NULL").fetchone()
        failed = 0
    else:
        m = re.search(r"indexed (\d+),.*failed (\d+)", text)
        if m is None:
            raise RuntimeError(f"{side}: no summary line in its output:\n{text[-2000:]}")
        done, failed = int(m[1]), int(m[2])
    if done != n or failed:
        raise RuntimeError(f"{side} indexed {done} of {n} photos ({failed} failed):\n{text[-2000:]}")


def _hits(text: str, side: str) -> list[str]:
    """The result paths a search printed (rclip ``-f``: one path a line; Reframe: ``rank score path``)."""
    paths = []
    for line in text.splitlines():
        if side == "rclip":
            if line.startswith("/"):
                paths.append(line.strip())
        else:
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[0].isdigit():
                paths.append(parts[2].strip())
    return paths


# -- the same weights for every side ----------------------------------------------------------------


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def random_model(weights: Path, seed: int) -> Any:
    """A random-init ViT-B-32 whose state dict is ``weights`` (written on the first call)."""
    import open_clip
    import torch

    torch.manual_seed(seed)
    # open_clip warns on the root logger that the model is random, which is the point here: let through only
    # records of this package's loggers while it builds the model.
    quiet = logging.Filter("benchmarks")
    logging.getLogger().addFilter(quiet)
    try:
        model = open_clip.create_model(ARCH, pretrained=None)
    finally:
        logging.getLogger().removeFilter(quiet)
    if weights.is_file():
        # Load rather than trust the seed: the file may predate a change in open_clip's init order.
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    else:
        weights.parent.mkdir(parents=True, exist_ok=True)
        tmp = weights.with_suffix(".tmp")
        torch.save(model.state_dict(), tmp)
        os.replace(tmp, weights)
    return model.eval()


def _export(module: Any, example: Any, path: Path) -> str:
    """``torch.onnx.export`` with a dynamic batch axis; input ``input`` and output ``output`` (the names
    rclip feeds and reads). Returns which exporter wrote it."""
    import torch

    tmp = path.with_suffix(".tmp")
    try:
        # The TorchScript exporter: one self-contained file and plain ONNX ops for the attention.
        torch.onnx.export(
            module,
            (example,),
            str(tmp),
            dynamo=False,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            opset_version=17,
        )
        how = "torchscript"
    except Exception as exc:  # a torch that has dropped it: the dynamo exporter
        print(f"  TorchScript export failed ({exc!r}); trying dynamo", flush=True)
        batch = torch.export.Dim("batch", min=1, max=4096)
        prog = torch.onnx.export(
            module,
            (example,),
            dynamo=True,
            input_names=["input"],
            output_names=["output"],
            dynamic_shapes=({0: batch},),
            external_data=False,
        )
        prog.save(str(tmp))
        how = "dynamo"
    os.replace(tmp, path)
    return how


def export_for_rclip(model: Any, weights: Path, out: Path) -> dict[str, Any]:
    """Write ``visual.onnx`` / ``textual.onnx`` for rclip into ``out`` (reused while the weights match).

    rclip runs the first input of each session by the name ``input`` and takes the first output as the
    features (it normalises them itself): images float32 [N, 3, 256, 256], text int64 [N, 77].
    """
    import torch

    card_path = out / "card.json"
    sha = file_sha256(weights)
    if card_path.is_file():
        card = json.loads(card_path.read_text(encoding="utf-8"))
        if card.get("weights_sha256") == sha and all((out / n).is_file() for n in ("visual.onnx", "textual.onnx")):
            return card

    class CentreImage(torch.nn.Module):
        """rclip's 256x256 input -> its centre 224x224 -> the image tower."""

        def __init__(self, clip: Any) -> None:
            super().__init__()
            self.clip = clip

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            o = (RCLIP_IMAGE_SIZE - IMAGE_SIZE) // 2
            return self.clip.encode_image(x[:, :, o : o + IMAGE_SIZE, o : o + IMAGE_SIZE])

    class Text(torch.nn.Module):
        def __init__(self, clip: Any) -> None:
            super().__init__()
            self.clip = clip

        def forward(self, tokens: torch.Tensor) -> torch.Tensor:
            return self.clip.encode_text(tokens)

    import open_clip

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    print(f"exporting the random ViT-B-32 to ONNX for rclip in {out} ...", flush=True)
    tokens = open_clip.get_tokenizer(ARCH)(["a photo of a dog", "two cats"])
    with torch.no_grad():
        how_v = _export(CentreImage(model), torch.randn(2, 3, RCLIP_IMAGE_SIZE, RCLIP_IMAGE_SIZE), out / "visual.onnx")
        how_t = _export(Text(model), tokens, out / "textual.onnx")
    card = {
        "weights_sha256": sha,
        "exporter": {"visual": how_v, "textual": how_t},
        "torch": torch.__version__,
        "export_s": round(time.perf_counter() - t0, 1),
        "fidelity": check_export(model, out),
    }
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"  done in {card['export_s']} s; cosine to torch: {card['fidelity']}", flush=True)
    return card


def check_export(model: Any, folder: Path) -> dict[str, float]:
    """Smallest cosine between ONNX Runtime's and torch's features on random images and a few captions."""
    import numpy as np
    import onnxruntime as ort
    import open_clip
    import torch

    def worst(a: Any, b: Any) -> float:
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
        return round(float((a * b).sum(axis=1).min()), 6)

    gen = torch.Generator().manual_seed(1)
    images = torch.randn(3, 3, RCLIP_IMAGE_SIZE, RCLIP_IMAGE_SIZE, generator=gen)
    o = (RCLIP_IMAGE_SIZE - IMAGE_SIZE) // 2
    captions = ["a dog", "a red car parked by the sea at sunset", "été à la plage 🌊, 1998!", "x " * 100]
    tokens = open_clip.get_tokenizer(ARCH)(captions)
    with torch.no_grad():
        ref_i = model.encode_image(images[:, :, o : o + IMAGE_SIZE, o : o + IMAGE_SIZE]).numpy()
        ref_t = model.encode_text(tokens).numpy()
    vis = ort.InferenceSession(str(folder / "visual.onnx"), providers=["CPUExecutionProvider"])
    txt = ort.InferenceSession(str(folder / "textual.onnx"), providers=["CPUExecutionProvider"])
    return {
        "image": worst(vis.run(None, {"input": images.numpy()})[0], ref_i),
        "text": worst(txt.run(None, {"input": tokens.numpy().astype(np.int64)})[0], ref_t),
    }


def rclip_datadir(folder: Path, exported: Path) -> Path:
    """An ``$RCLIP_DATADIR`` whose model files are links to ``exported`` (one export, several databases)."""
    import open_clip

    model_dir = folder / RCLIP_MODEL_SUBDIR
    model_dir.mkdir(parents=True, exist_ok=True)
    for name in ("visual.onnx", "textual.onnx"):
        link = model_dir / name
        if not link.exists():
            link.symlink_to(exported / name)
    vocab = folder / RCLIP_TOKENIZER
    if not vocab.is_file():
        vocab.parent.mkdir(parents=True, exist_ok=True)
        source = Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz"
        with gzip.open(source) as f:  # fail here, not inside rclip, if the vocabulary is unreadable
            f.read(16)
        shutil.copyfile(source, vocab)
    for name in RCLIP_LEGAL_FILES:
        legal = folder / name
        if not legal.is_file():
            legal.write_text("Placeholder written by benchmarks/vs_rclip.py: the model here is random-init.\n")
    return folder


def drop_rclip_db(datadir: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        (datadir / (RCLIP_DB + suffix)).unlink(missing_ok=True)


# -- the sides --------------------------------------------------------------------------------------


@dataclass
class Setup:
    """Everything the commands need; made once per run."""

    args: argparse.Namespace
    scratch: Path
    weights: Path
    backend_flag: bool  # does this Reframe take --backend?
    rclip_export: Path | None = None
    onnx_pairs: dict[str, Path] = field(default_factory=dict)  # side -> the folder `export-onnx` wrote


def backend_of(side: str) -> str:
    return "onnx" if side.startswith("onnx") else side


def precision_of(side: str) -> str:
    return "int8" if side.endswith("-int8") else "fp32"


def reframe_env(s: Setup) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(s.args.reframe_root)
    env["REFRAME_HOME"] = str(s.scratch / "reframe-home")  # never the user's own library
    return env


def rclip_env(datadir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["RCLIP_DATADIR"] = str(datadir)
    env["HF_HUB_OFFLINE"] = "1"  # a missing file must fail, not reach for the network
    env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    return env


def reframe_cli(s: Setup) -> list[str]:
    """``python -m desktop.cli``, run with the working directory at ``--reframe-root``: ``-m`` puts the
    working directory ahead of PYTHONPATH, so running it from elsewhere could pick up another tree's code."""
    return [str(s.args.reframe_python), "-m", "desktop.cli"]


def model_args(s: Setup, side: str) -> list[str]:
    """``--model``/``--weights``/``--backend`` for a Reframe side. The ONNX sides name the folder that
    ``reframe export-onnx`` wrote: given the checkpoint, the onnx backend would export it again in every
    run (a user has the exported pair - downloaded or made once - by the time they search)."""
    if side == "torch":
        argv = ["--model", MODEL_NAME, "--weights", str(s.weights)]
        return [*argv, "--backend", "torch"] if s.backend_flag else argv
    argv = ["--model", MODEL_NAME, "--weights", str(s.onnx_pairs[side]), "--backend", "onnx"]
    return [*argv, "--precision", "int8"] if precision_of(side) == "int8" else argv


def fresh_library(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _reframe_stamp(s: Setup, precision: str) -> str:
    """What an export depends on: the weights, the precision and the Reframe code (the last commit to
    ``desktop/`` and its uncommitted changes), so that a cached export is never stale."""
    root = s.args.reframe_root
    # The last commit that touched desktop/ (not HEAD: a commit elsewhere must not force a new export).
    head = subprocess.run(
        ["git", "-C", str(root), "log", "-1", "--format=%H", "--", "desktop"], capture_output=True, text=True
    ).stdout
    dirty = subprocess.run(
        ["git", "-C", str(root), "diff", "HEAD", "--", "desktop"], capture_output=True, text=True
    ).stdout
    digest = hashlib.sha256(dirty.encode()).hexdigest()[:12] if dirty.strip() else "clean"
    return f"{file_sha256(s.weights)} {precision} {head.strip()} {digest}"


def prepare_onnx(s: Setup, side: str) -> dict[str, Any]:
    """``reframe export-onnx`` of the random weights into a library of its own (reused while nothing it
    depends on changed); the side then runs that folder. Returns the export's card."""
    precision = precision_of(side)
    library = s.scratch / "vs-rclip" / f"onnx-{precision}-export"
    stamp_file = library / "bench-stamp.txt"
    stamp = _reframe_stamp(s, precision)
    if not (stamp_file.is_file() and stamp_file.read_text(encoding="utf-8") == stamp):
        fresh_library(library)
        t0 = time.perf_counter()
        print(f"reframe export-onnx ({precision}) into {library} ...", flush=True)
        argv = [*reframe_cli(s), "export-onnx", "--library", str(library), "--model", MODEL_NAME]
        argv += ["--weights", str(s.weights), "--precision", precision]
        subprocess.run(argv, env=reframe_env(s), cwd=s.args.reframe_root, check=True)
        print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
        stamp_file.write_text(stamp, encoding="utf-8")
    cards = sorted((library / "models").rglob("card.json"))
    if len(cards) != 1:
        raise SystemExit(f"expected one exported pair (card.json) under {library / 'models'}, found {cards}")
    s.onnx_pairs[side] = cards[0].parent
    return json.loads(cards[0].read_text(encoding="utf-8"))


def index_command(s: Setup, side: str, folder: Path, where: Path) -> tuple[list[str], Path, dict[str, str]]:
    """The command that indexes ``folder`` from empty, after resetting ``where`` (library or datadir)."""
    if side == "rclip":
        drop_rclip_db(where)
        return [str(s.args.rclip), "-f", QUERY], folder, rclip_env(where)
    library = fresh_library(where)
    return (
        [*reframe_cli(s), "index", str(folder), "--library", str(library), *model_args(s, side)],
        s.args.reframe_root,
        reframe_env(s),
    )


def search_command(s: Setup, side: str, folder: Path, where: Path) -> tuple[list[str], Path, dict[str, str]]:
    """The command that answers the text query on the library already indexed in ``where``."""
    if side == "rclip":
        return [str(s.args.rclip), "-f", QUERY], folder, rclip_env(where)
    argv = [*reframe_cli(s), "search", "--text", QUERY, "--library", str(where), *model_args(s, side)]
    return argv, s.args.reframe_root, reframe_env(s)


# -- the workloads ----------------------------------------------------------------------------------


def orders(sides: Sequence[str], reps: int) -> list[list[str]]:
    """The order of the sides in each repetition: forwards, backwards, forwards... (ABBA over pairs)."""
    return [list(sides) if r % 2 == 0 else list(reversed(sides)) for r in range(reps)]


def photo_set(scratch: Path, n: int, width: int, height: int) -> Path:
    """A folder holding exactly ``n`` generated JPEGs (hard links into the shared pool, made once)."""
    pool = ensure_photos(scratch / f"jpeg-{width}x{height}-q90", n, width, height, 90)
    folder = scratch / "vs-rclip" / f"set-{width}x{height}-n{n}"
    if not folder.is_dir() or len(list(folder.iterdir())) != n:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for p in pool:
            os.link(p, folder / p.name)
    warm_page_cache(pool)
    return folder


def measure_pairs(
    label: str,
    sides: Sequence[str],
    reps: int,
    command: Callable[[str, int], tuple[list[str], Path, dict[str, str]]],
    logs: Path,
    check: Callable[[str, str, Run], None],
) -> dict[str, list[Run]]:
    """``reps`` runs of every side, alternated; ``check(side, output, run)`` vets each run (raises when the
    command did not do the work, so a broken run is never timed as a fast one)."""
    runs: dict[str, list[Run]] = {side: [] for side in sides}
    for rep, order in enumerate(orders(sides, reps)):
        for side in order:
            argv, cwd, env = command(side, rep)
            run, text = run_measured(argv, cwd=cwd, env=env, log=logs / f"{label}-{rep}-{side}.log")
            check(side, text, run)
            runs[side].append(run)
            print(
                f"  {label} rep {rep + 1}/{reps} {side:9s}: {run.wall_s:6.2f} s wall, {run.cpu_s:6.2f} s CPU, "
                f"{run.peak_rss_mib:6.0f} MiB peak (load {run.load1})",
                flush=True,
            )
    return runs


def import_probe(python: str, modules: str) -> dict[str, float]:
    """Seconds to import ``modules`` in a fresh interpreter, and that process's peak RSS afterwards.

    The peak is ``VmHWM`` (the high-water mark of the memory map made at exec), not ``ru_maxrss``, which a
    process forked from this big one starts at this one's peak (see ``_LAUNCHER``)."""
    code = (
        "import json, time\n"
        "t = time.perf_counter()\n"
        f"import {modules}\n"
        "t = time.perf_counter() - t\n"
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM:')][0].split()[1]\n"
        "print(json.dumps({'s': t, 'rss': int(hwm)}))\n"
    )
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"seconds": round(data["s"], 4), "peak_rss_mib": round(data["rss"] / 1024, 1)}


def site_packages(python: str) -> Path:
    out = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def tree_bytes(path: Path) -> int:
    """Apparent size of every regular file under ``path`` (links not followed)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(root, name))
            if not os.path.islink(os.path.join(root, name)):
                total += st.st_size
    return total


def package_bytes(site: Path, prefixes: Sequence[str]) -> dict[str, int]:
    """Bytes per top-level site-packages entry whose name is a prefix's package, its .libs or dist-info
    (``nvidia`` also matches the ``nvidia_*`` dist-infos of the CUDA wheels)."""
    sizes: dict[str, int] = {}
    for prefix in prefixes:
        total = 0
        for entry in site.iterdir():
            name = entry.name.lower()
            base = name.split("-")[0].removesuffix(".libs")
            if base == prefix or (prefix == "nvidia" and base.startswith("nvidia_")):
                total += tree_bytes(entry) if entry.is_dir() else entry.stat().st_size
        sizes[prefix] = total
    return sizes


# -- summaries --------------------------------------------------------------------------------------


def spread(values: Sequence[float], digits: int = 3) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }


def ratios(a: Sequence[float], b: Sequence[float]) -> dict[str, Any]:
    """a / b per repetition (a pair = the two runs of one repetition)."""
    return spread([x / y for x, y in zip(a, b, strict=True) if y > 0])


def ratio_pairs(sides: Sequence[str]) -> list[tuple[str, str]]:
    """(numerator, denominator) sides: every Reframe side over rclip, and every ONNX side over torch."""
    pairs = [(s, "rclip") for s in sides if s != "rclip" and "rclip" in sides]
    if "torch" in sides:
        pairs += [(s, "torch") for s in sides if backend_of(s) == "onnx"]
    return pairs


def summarise(runs: dict[str, list[Run]], metrics: dict[str, Callable[[Run], float]]) -> dict[str, Any]:
    sides = list(runs)
    out: dict[str, Any] = {"runs": {side: [asdict(r) for r in rs] for side, rs in runs.items()}}
    out["per_side"] = {
        side: {name: spread([f(r) for r in rs]) for name, f in metrics.items()} for side, rs in runs.items()
    }
    out["ratios"] = {
        f"{a}/{b}": {name: ratios([f(r) for r in runs[a]], [f(r) for r in runs[b]]) for name, f in metrics.items()}
        for a, b in ratio_pairs(sides)
    }
    return out


def num(v: float) -> str:
    """Three significant figures, without the exponent ``:.3g`` gives from 1000 up."""
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


def fmt_spread(d: dict[str, Any], unit: str = "") -> str:
    if not d.get("n"):
        return "-"
    return f"{num(d['median'])}{unit} ({num(d['min'])}-{num(d['max'])}, n={d['n']})"


def print_block(title: str, summary: dict[str, Any], metrics: dict[str, str]) -> None:
    print(f"\n{title}")
    rows = [[side, *(fmt_spread(v[m], u) for m, u in metrics.items())] for side, v in summary["per_side"].items()]
    rows += [[pair, *(fmt_spread(v[m], "x") for m in metrics)] for pair, v in summary["ratios"].items()]
    print(table(["side / ratio", *metrics], rows))


def targets(results: dict[str, Any], sides: Sequence[str]) -> list[dict[str, Any]]:
    """Issue 15's targets for every ONNX side, judged on the median of the paired ratios (the range and
    the number of pairs go with each, so a verdict on noisy pairs can be read as such)."""
    checks: list[dict[str, Any]] = []

    def add(side: str, what: str, data: dict[str, Any] | None, op: str, bound: float) -> None:
        if not data or not data.get("n"):
            return
        value = data["median"]
        met = value <= bound if op == "<=" else value >= bound
        checks.append({"side": side, "target": f"{what} {op} {bound}", **data, "met": met})

    for side in (x for x in sides if backend_of(x) == "onnx"):
        search = results.get("search", {})
        add(side, "search wall / rclip", search.get("ratios", {}).get(f"{side}/rclip", {}).get("wall_s"), "<=", 1.2)
        add(side, "search wall / torch", search.get("ratios", {}).get(f"{side}/torch", {}).get("wall_s"), "<=", 0.25)
        add(side, "search peak RSS MiB", search.get("per_side", {}).get(side, {}).get("peak_rss_mib"), "<=", 600)
        for job in ("index-small", "index-12mp"):
            ratio = results.get(job, {}).get("ratios", {}).get(f"{side}/rclip", {}).get("images_per_s")
            add(side, f"{job} img/s / rclip", ratio, ">=", 1.0)
            if precision_of(side) == "int8":
                add(side, f"{job} img/s / rclip (stretch)", ratio, ">=", 1.3)
    return checks


# -- main -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = arg_parser(__doc__)
    ap.add_argument("--sides", default=",".join(SIDES), help=f"comma-separated, of {','.join(SIDES)} (default: all)")
    ap.add_argument("--rclip", type=Path, default=shutil.which("rclip"), help="rclip executable (its own venv)")
    ap.add_argument("--reframe-python", default=sys.executable, help="Python that runs `-m desktop.cli`")
    ap.add_argument("--reframe-root", type=Path, default=REPO, help="PYTHONPATH for Reframe (default: this tree)")
    ap.add_argument("--search-photos", type=int, default=200)
    ap.add_argument("--small-photos", type=int, default=200, help="~500x375 JPEGs indexed from empty")
    ap.add_argument("--large-photos", type=int, default=48, help="4000x3000 JPEGs indexed from empty")
    ap.add_argument("--search-reps", type=int, default=5)
    ap.add_argument("--index-reps", type=int, default=3)
    ap.add_argument("--import-reps", type=int, default=5)
    ap.add_argument("--workloads", default="imports,search,index-small,index-12mp,install")
    ap.add_argument("--seed", type=int, default=0, help="the random model's seed")
    ap.add_argument("--quick", action="store_true", help="smoke test: 16 / 16 / 4 photos, one pair each")
    add_output_args(ap, "vs_rclip")
    args = ap.parse_args(argv)
    if args.quick:
        args.search_photos, args.small_photos, args.large_photos = 16, 16, 4
        args.search_reps = args.index_reps = args.import_reps = 1
    sides = [x.strip() for x in args.sides.split(",") if x.strip()]
    unknown = sorted(set(sides) - set(SIDES))
    if unknown:
        ap.error(f"unknown side(s) {unknown}: choose from {','.join(SIDES)}")
    if "rclip" in sides and not (args.rclip and Path(args.rclip).is_file()):
        ap.error("rclip not found: give --rclip /path/to/venv/bin/rclip (rclip 4.x needs Python >= 3.12)")
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    args.reframe_root = args.reframe_root.resolve()

    info = begin(torch_info=True)
    import onnxruntime

    info["onnxruntime"] = onnxruntime.__version__
    info["threads_env"] = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ}
    scratch: Path = args.scratch
    bench = scratch / "vs-rclip"
    bench.mkdir(parents=True, exist_ok=True)
    logs = Path(tempfile.mkdtemp(prefix="logs-", dir=bench))  # every child's output, for a failed run
    t_start = time.perf_counter()

    # -- setup: weights, exports, photos, the search libraries (all outside every timing) --
    help_text = subprocess.run(
        [args.reframe_python, "-m", "desktop.cli", "search", "--help"],
        env={**os.environ, "PYTHONPATH": str(args.reframe_root)},
        cwd=args.reframe_root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    s = Setup(
        args=args,
        scratch=scratch,
        weights=bench / f"vit-b-32-seed{args.seed}.pt",
        backend_flag="--backend" in help_text,
    )
    if any(backend_of(x) == "onnx" for x in sides) and not s.backend_flag:
        ap.error(f"{args.reframe_root} has no `--backend`: the onnx side needs issue 15's backend")
    model = random_model(s.weights, args.seed)
    fields: dict[str, Any] = {
        "sides": sides,
        "quick": args.quick,
        "query": QUERY,
        "model": f"{ARCH} open_clip, random init (seed {args.seed}), float32; Reframe: --weights {s.weights.name}",
        "reframe_root": str(args.reframe_root),
        "reframe_has_backend_flag": s.backend_flag,
    }
    if "rclip" in sides:
        s.rclip_export = bench / f"rclip-onnx-seed{args.seed}"
        fields["rclip_export"] = export_for_rclip(model, s.weights, s.rclip_export)
        version = subprocess.run([str(args.rclip), "--version"], capture_output=True, text=True, check=False)
        fields["rclip_version"] = (version.stdout or version.stderr).strip()
        fields["rclip_image_input"] = f"{RCLIP_IMAGE_SIZE}x{RCLIP_IMAGE_SIZE}, centre {IMAGE_SIZE}x{IMAGE_SIZE} sliced"
    del model
    for side in sides:
        if backend_of(side) == "onnx":
            fields[f"{side}_export_card"] = prepare_onnx(s, side)

    def where(side: str, job: str) -> Path:
        """The library (Reframe) or data folder (rclip) of ``side`` for ``job``."""
        if side == "rclip":
            assert s.rclip_export is not None
            return rclip_datadir(bench / f"rclip-data-{job}", s.rclip_export)
        return bench / f"lib-{job}-{side}"

    results: dict[str, Any] = {}

    if "imports" in workloads:
        print("\nimports: `import torch, open_clip` vs `import onnxruntime` (Reframe's environment)", flush=True)
        probes: dict[str, list[dict[str, float]]] = {"torch_open_clip": [], "onnxruntime": []}
        stmts = {"torch_open_clip": "torch, open_clip", "onnxruntime": "onnxruntime"}
        for rep, order in enumerate(orders(list(probes), args.import_reps)):
            for what in order:
                p = import_probe(args.reframe_python, stmts[what])
                probes[what].append(p)
                print(f"  rep {rep + 1}: import {stmts[what]}: {p['seconds']:.3f} s, {p['peak_rss_mib']:.0f} MiB")
        results["imports"] = {
            "runs": probes,
            "per_side": {
                k: {m: spread([p[m] for p in v]) for m in ("seconds", "peak_rss_mib")} for k, v in probes.items()
            },
            "ratios": {
                "torch_open_clip/onnxruntime": {
                    m: ratios([p[m] for p in probes["torch_open_clip"]], [p[m] for p in probes["onnxruntime"]])
                    for m in ("seconds", "peak_rss_mib")
                }
            },
        }

    def do_search() -> None:
        folder = photo_set(scratch, args.search_photos, 500, 375)
        # The libraries the last index-small runs left hold these very photos: search them rather than
        # index the folder once more (minutes of setup on a 2-core CPU).
        job = "index-small" if "index-small" in results and args.search_photos == args.small_photos else "search"
        print(f"\nsearch: {folder}, libraries of {job}", flush=True)
        for side in sides:
            if job == "search":
                argv_, cwd, env = index_command(s, side, folder, where(side, job))
                run, _ = run_measured(argv_, cwd=cwd, env=env, log=logs / f"search-setup-{side}.log")
                print(f"  {side}: indexed in {run.wall_s:.1f} s (not timed)", flush=True)
            # One untimed search: every side starts the timed ones with its files in the page cache.
            argv_, cwd, env = search_command(s, side, folder, where(side, job))
            run_measured(argv_, cwd=cwd, env=env, log=logs / f"search-warm-{side}.log")
        runs = measure_pairs(
            "search",
            sides,
            args.search_reps,
            lambda side, _rep: search_command(s, side, folder, where(side, job)),
            logs,
            check_search,
        )
        results["search"] = summarise(
            runs, {"wall_s": lambda r: r.wall_s, "cpu_s": lambda r: r.cpu_s, "peak_rss_mib": lambda r: r.peak_rss_mib}
        )
        results["search"]["photos"] = args.search_photos
        for side in (x for x in runs if backend_of(x) == "onnx" and "torch" in runs):
            # Same answers? The share of the torch side's top 10 that this side returns in the same repetition.
            overlap = [
                len(set(a.top) & set(b.top)) / max(1, len(a.top))
                for a, b in zip(runs["torch"], runs[side], strict=True)
            ]
            results["search"][f"top10_overlap_{side}_vs_torch"] = spread(overlap)

    def do_index(job: str, n: int, width: int, height: int) -> None:
        folder = photo_set(scratch, n, width, height)
        print(f"\n{job}: {n} x {width}x{height} JPEGs from empty ({folder})", flush=True)
        runs = measure_pairs(
            job,
            sides,
            args.index_reps,
            lambda side, _rep: index_command(s, side, folder, where(side, job)),
            logs,
            lambda side, text, _run: check_indexed(side, text, n, where(side, job) if side == "rclip" else None),
        )
        results[job] = summarise(
            runs,
            {
                "images_per_s": lambda r: n / r.wall_s,
                "wall_s": lambda r: r.wall_s,
                "cpu_s": lambda r: r.cpu_s,
                "peak_rss_mib": lambda r: r.peak_rss_mib,
            },
        )
        results[job].update({"photos": n, "size": f"{width}x{height}"})

    # index-small before search: the search reuses its libraries.
    if "index-small" in workloads:
        do_index("index-small", args.small_photos, 500, 375)
    if "search" in workloads:
        do_search()
    if "index-12mp" in workloads:
        do_index("index-12mp", args.large_photos, 4000, 3000)

    if "install" in workloads:
        envs: dict[str, Any] = {}
        site = site_packages(args.reframe_python)
        sizes = package_bytes(site, ("torch", "torchvision", "nvidia", "triton", "open_clip", "onnxruntime"))
        envs["reframe"] = {
            "site_packages": str(site),
            "mib": {k: round(v / MIB, 1) for k, v in sizes.items()},
            "torch_nvidia_triton_mib": round((sizes["torch"] + sizes["nvidia"] + sizes["triton"]) / MIB, 1),
            "site_packages_total_mib": round(tree_bytes(site) / MIB, 1),
        }
        if args.rclip:
            rclip_python = str(Path(args.rclip).parent / "python")
            rsite = site_packages(rclip_python)
            envs["rclip"] = {
                "site_packages": str(rsite),
                "onnxruntime_mib": round(package_bytes(rsite, ("onnxruntime",))["onnxruntime"] / MIB, 1),
                "site_packages_total_mib": round(tree_bytes(rsite) / MIB, 1),
            }
        ort_mib = sizes["onnxruntime"] / MIB
        if ort_mib:
            envs["torch_nvidia_triton/onnxruntime"] = round(envs["reframe"]["torch_nvidia_triton_mib"] / ort_mib, 1)
        results["install"] = envs

    # -- report --
    if "imports" in results:
        r = results["imports"]
        print("\nimports")
        rows = [
            [k, fmt_spread(v["seconds"], " s"), fmt_spread(v["peak_rss_mib"], " MiB")] for k, v in r["per_side"].items()
        ]
        rows += [[k, fmt_spread(v["seconds"], "x"), fmt_spread(v["peak_rss_mib"], "x")] for k, v in r["ratios"].items()]
        print(table(["import", "seconds", "peak RSS"], rows))
    if "search" in results:
        print_block(
            f"search --text, process start -> results, {args.search_photos} photos",
            results["search"],
            {"wall_s": " s", "cpu_s": " s", "peak_rss_mib": " MiB"},
        )
    for job in ("index-small", "index-12mp"):
        if job in results:
            print_block(
                f"{job}: {results[job]['photos']} x {results[job]['size']} from empty (img/s: higher is better)",
                results[job],
                {"images_per_s": "", "wall_s": " s", "peak_rss_mib": " MiB"},
            )
    if "install" in results:
        print("\ninstalled size (MiB):", json.dumps(results["install"], indent=1))
    verdicts = targets(results, sides)
    if verdicts:
        print("\nissue 15 targets (median of the pairs, range, pairs)")
        rows = [[v["side"], v["target"], fmt_spread(v), "met" if v["met"] else "missed"] for v in verdicts]
        print(table(["side", "target", "measured", ""], rows))
    fields["targets"] = verdicts
    fields["setup_and_run_s"] = round(time.perf_counter() - t_start, 1)
    fields["logs"] = str(logs)
    fields["results"] = results
    finish("vs_rclip", info, fields, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
