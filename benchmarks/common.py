"""Helpers shared by the benchmark scripts: machine facts, timing, tables and JSON results."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
#: Scratch space for generated test data (never inside the repository).
SCRATCH = Path(os.environ.get("REFRAME_BENCH_DIR", "/tmp/reframe-bench"))
#: Present when the machine is free for full-size measurements (written by whoever owns the CPU).
BENCH_OK = REPO / ".scratch" / "BENCH_OK"


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def machine_info(*, torch_info: bool = False) -> dict[str, Any]:
    """What the numbers were measured on; ``torch_info`` imports torch to add its version and threads."""
    info: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "load_average_at_start": load_average(),
        "bench_ok_flag": BENCH_OK.exists(),
    }
    try:
        import numpy

        info["numpy"] = numpy.__version__
    except ImportError:
        pass
    if torch_info:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["torch_interop_threads"] = torch.get_num_interop_threads()
        info["cuda_available"] = torch.cuda.is_available()
        try:
            import open_clip

            info["open_clip"] = open_clip.__version__
        except ImportError:
            pass
        import PIL

        info["pillow"] = PIL.__version__
    return info


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation, like numpy's default."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / p99 / mean of durations, in milliseconds."""
    ms = [s * 1000.0 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 4),
        "p95_ms": round(percentile(ms, 95), 4),
        "p99_ms": round(percentile(ms, 99), 4),
        "mean_ms": round(statistics.fmean(ms), 4) if ms else float("nan"),
    }


class Stopwatch:
    """``with watch("name"):`` adds the block's wall time to ``watch.seconds["name"]``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t0)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.calls[name] = self.calls.get(name, 0) + 1


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table with right-aligned numbers."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return str(v)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in text:
        out.append("  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths, strict=True)))
    return "\n".join(out)


def _numeric(text: str) -> bool:
    try:
        float(text.rstrip("x%"))
    except ValueError:
        return False
    return True


def write_result(name: str, data: dict[str, Any], out_dir: Path | None = None) -> Path:
    """Write ``data`` as ``<out_dir>/<name>.json`` (default ``benchmarks/results``) and return the path."""
    folder = out_dir or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def cpu_note() -> str:
    """A line saying whether the CPU was free (BENCH_OK present) when the run started."""
    if BENCH_OK.exists():
        return "CPU free for benchmarking (BENCH_OK present)"
    return "WARNING: BENCH_OK absent - the CPU may be shared with other work; numbers are pessimistic"


# -- what every script's command line and report share --------------------------------------------


def ints(text: str) -> list[int]:
    """A comma-separated list of integers, as a command-line value: ``"16,32,64"`` -> ``[16, 32, 64]``."""
    return [int(x) for x in text.split(",") if x.strip()]


def arg_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser described by the first paragraph of a script's docstring."""
    return argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])


def add_output_args(ap: argparse.ArgumentParser, name: str) -> None:
    """``--scratch`` (generated data), ``--out`` (results folder) and ``--name`` (result file, default ``name``)."""
    ap.add_argument("--scratch", type=Path, default=SCRATCH)
    ap.add_argument("--out", type=Path, default=None, help="results folder (default benchmarks/results)")
    ap.add_argument("--name", default=name, help="result file name, without .json")


def begin(*, torch_info: bool = False) -> dict[str, Any]:
    """Print whether the CPU is free, then return :func:`machine_info` for the result."""
    print(cpu_note(), flush=True)
    return machine_info(torch_info=torch_info)


def finish(benchmark: str, info: dict[str, Any], fields: dict[str, Any], args: argparse.Namespace) -> Path:
    """Stamp the load average at the end into ``info``, write ``{"benchmark", "machine": info, **fields}``
    as ``<args.out>/<args.name>.json`` and print where it went."""
    info["load_average_at_end"] = load_average()
    result = {"benchmark": benchmark, "machine": info, **fields}
    path = write_result(args.name, result, args.out)
    print(f"wrote {path}")
    return path
