"""Start-up of the desktop app to a visible window, and its memory once it sits idle.

Launches the app as a user would (the installed ``reframe-gui``, a PyInstaller folder, or the dev
install's ``python -m desktop``) on an X display - a private Xvfb when there is no ``DISPLAY`` - and times
from ``exec`` to the moment the X server reports one of the process's windows as viewable (polled every
``--poll-ms``, so the figure is late by at most that much). It then waits until the process has been quiet
(under ``--idle-cpu`` % of one core for ``--idle-seconds``: the model is loaded, the first rescan is
done) and reads its memory from ``/proc``: RSS, PSS (shared libraries split between processes) and the
peak RSS. It also records the CPU time the app had used when its window became visible: on a machine
busy with other work the wall time stretches with the wait for a core, the CPU time does not.

The app opens a prepared library: ``reframe demo --count N`` indexed with the bundled ``shapes-tiny``
(made once per run with the same install's command line), so the numbers include loading a real model and
catalog but need no download.

The first launch is cold when ``--drop-caches`` is given (Linux, root: the page cache is dropped first, as
after a reboot); the others are warm (files in the page cache, as on a second start).

    python -m benchmarks.startup                                   # the dev install
    python -m benchmarks.startup --app /usr/bin/reframe-gui        # the installed .deb
    python -m benchmarks.startup --app dist/reframe/reframe-gui --runs 5 --drop-caches

Linux only (X11 via Xvfb + xdotool: ``apt-get install xvfb xdotool``). Writes
``benchmarks/results/startup-dev.json`` or ``startup-app.json`` (``--out``, ``--name`` to change).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make ``benchmarks`` and ``desktop`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import cpu_note, load_average, machine_info, table, write_result

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


# -- the app and its command line ------------------------------------------------------------------------


def commands(app: str | None) -> tuple[list[str], list[str], str]:
    """(gui command, cli command, description) for ``--app`` (a reframe-gui executable) or the dev install."""
    if not app:
        return (
            [sys.executable, "-m", "desktop"],
            [sys.executable, "-m", "desktop.cli"],
            "dev install (python -m desktop)",
        )
    gui = Path(app)
    resolved = gui.resolve()
    if not resolved.is_file():
        raise SystemExit(f"--app {app}: no such file")
    cli = resolved.with_name("reframe" + resolved.suffix)
    if not cli.is_file():
        raise SystemExit(f"no command-line executable next to {resolved} (expected {cli})")
    return [str(gui)], [str(cli)], f"{app} -> {resolved}"


def prepare_library(cli: list[str], library: Path, count: int, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*cli, "demo", "--library", str(library), "--count", str(count), "--k", "1"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"could not prepare the library:\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - t0


# -- X display ---------------------------------------------------------------------------------------------


class Display:
    """``DISPLAY`` if there is one, else a private Xvfb for the duration of the benchmark."""

    def __init__(self, size: str) -> None:
        self.proc: subprocess.Popen | None = None
        self.name = os.environ.get("DISPLAY")
        self.size = size

    def __enter__(self) -> Display:
        if self.name:
            return self
        if not shutil.which("Xvfb"):
            raise SystemExit("no DISPLAY and no Xvfb: apt-get install xvfb xdotool")
        r, w = os.pipe()
        # -noreset: by default the server resets when its last client leaves, and an app launched while it
        # does cannot connect ("could not connect to display"): that happens between runs on a busy machine.
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", f"{self.size}x24", "-nolisten", "tcp", "-noreset"],
            pass_fds=(w,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(w)
        with os.fdopen(r) as f:
            number = f.readline().strip()
        if not number:
            raise SystemExit("Xvfb did not start")
        self.name = f":{number}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)


def visible_window(pid: int, display: str) -> bool:
    out = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid), "--name", "."],
        env=dict(os.environ, DISPLAY=display),
        capture_output=True,
        text=True,
        check=False,
    )
    return bool(out.stdout.strip())


# -- /proc ------------------------------------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / CLK_TCK


def memory(pids: list[int]) -> dict[str, float]:
    """RSS, PSS and peak RSS of the process tree, in MiB."""
    rss = pss = hwm = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        hwm += int(line.split()[1])
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return {"rss_mib": round(rss / 1024, 1), "pss_mib": round(pss / 1024, 1), "peak_rss_mib": round(hwm / 1024, 1)}


def drop_caches() -> bool:
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError as exc:
        print(f"cannot drop the page cache ({exc}); the first run is not cold", file=sys.stderr)
        return False


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the app's process group (it started its own session), SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 15)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue


# -- one launch --------------------------------------------------------------------------------------------


def launch(
    gui: list[str], library: Path, display: str, env: dict[str, str], args: argparse.Namespace, log: Path
) -> dict[str, Any]:
    env = dict(env, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    cmd = [*gui, "--library", str(library), "--model", "shapes-tiny"]
    with log.open("ab") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            visible = None
            deadline = t0 + args.timeout
            while time.perf_counter() < deadline:
                if proc.poll() is not None:
                    tail = log.read_text(errors="replace")[-3000:]
                    raise SystemExit(f"the app exited with {proc.returncode} before showing a window:\n{tail}")
                if visible_window(proc.pid, display):
                    visible = time.perf_counter() - t0
                    # CPU time spent to get there: on a machine shared with other work the wall time
                    # stretches with the wait for a core, this does not (to /proc's 10 ms resolution).
                    cpu_visible = cpu_seconds(tree(proc.pid))
                    break
                time.sleep(args.poll_ms / 1000)
            if visible is None:
                tail = log.read_text(errors="replace")[-3000:]
                raise SystemExit(f"no visible window after {args.timeout} s:\n{tail}")
            # Idle: under --idle-cpu % of one core over --idle-seconds.
            samples: list[tuple[float, float]] = []
            idle_at = None
            while time.perf_counter() < deadline:
                now = time.perf_counter()
                samples.append((now, cpu_seconds(tree(proc.pid))))
                window = [s for s in samples if s[0] >= now - args.idle_seconds]
                if now - t0 - visible >= args.idle_seconds and len(window) >= 2:
                    used = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
                    if used * 100 < args.idle_cpu:
                        idle_at = now - t0
                        break
                time.sleep(0.25)
            mem = memory(tree(proc.pid))
            cpu = cpu_seconds(tree(proc.pid))
        finally:
            stop(proc)
    return {
        "visible_s": round(visible, 3),
        "cpu_s_to_visible": round(cpu_visible, 2),
        "idle_after_s": round(idle_at, 2) if idle_at else None,
        "cpu_s_to_idle": round(cpu, 2),
        **mem,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--app", help="the reframe-gui executable to measure (default: the dev install)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--count", type=int, default=300, help="photos in the prepared library")
    ap.add_argument("--drop-caches", action="store_true", help="drop the page cache before the first run (root)")
    ap.add_argument("--poll-ms", type=float, default=40)
    ap.add_argument("--idle-seconds", type=float, default=3.0)
    ap.add_argument("--idle-cpu", type=float, default=3.0, help="percent of one core")
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--screen", default="1600x1000")
    ap.add_argument("--out", type=Path, help="results folder (default benchmarks/results)")
    ap.add_argument("--name", default=None, help="result file name (default: startup-dev or startup-app)")
    args = ap.parse_args(argv)
    if not sys.platform.startswith("linux"):
        raise SystemExit("benchmarks/startup.py measures on Linux (X11); see packaging/README.md for the others")
    if not shutil.which("xdotool"):
        raise SystemExit("xdotool not found: apt-get install xvfb xdotool")

    gui, cli, what = commands(args.app)
    print(cpu_note())
    info = machine_info()
    work = Path(tempfile.mkdtemp(prefix="reframe-startup-"))
    env = dict(os.environ, REFRAME_HOME=str(work / "home"))
    env.pop("QT_QPA_PLATFORM", None)
    try:
        library = work / "library"
        prep = prepare_library(cli, library, args.count, env)
        print(f"app: {what}\nlibrary: {args.count} demo photos indexed with shapes-tiny in {prep:.1f} s")
        runs = []
        with Display(args.screen) as display:
            for i in range(args.runs):
                cold = i == 0 and args.drop_caches and drop_caches()
                r = launch(gui, library, display.name or "", env, args, work / "app.log")
                r["kind"] = "cold" if cold else "warm"
                r["load_average"] = load_average()
                runs.append(r)
                print(
                    f"run {i + 1} ({r['kind']}): window visible after {r['visible_s']:.2f} s, idle after "
                    f"{r['idle_after_s']} s; RSS {r['rss_mib']} MiB, PSS {r['pss_mib']} MiB, "
                    f"peak {r['peak_rss_mib']} MiB",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    warm = [r for r in runs if r["kind"] == "warm"] or runs
    summary = {
        "visible_s_median_warm": round(statistics.median(r["visible_s"] for r in warm), 3),
        "visible_s_cold": next((r["visible_s"] for r in runs if r["kind"] == "cold"), None),
        "cpu_s_to_visible_median": round(statistics.median(r["cpu_s_to_visible"] for r in runs), 2),
        "idle_rss_mib_median": round(statistics.median(r["rss_mib"] for r in runs), 1),
        "idle_pss_mib_median": round(statistics.median(r["pss_mib"] for r in runs), 1),
    }
    print()
    print(
        table(
            ["run", "kind", "visible s", "CPU s to visible", "idle after s", "RSS MiB", "PSS MiB", "peak MiB"],
            [
                [
                    i + 1,
                    r["kind"],
                    r["visible_s"],
                    r["cpu_s_to_visible"],
                    r["idle_after_s"] or "-",
                    r["rss_mib"],
                    r["pss_mib"],
                    r["peak_rss_mib"],
                ]
                for i, r in enumerate(runs)
            ],
        )
    )
    print(
        f"\nmedian warm start to a visible window: {summary['visible_s_median_warm']} s "
        f"({summary['cpu_s_to_visible_median']} s of CPU); "
        f"idle RSS {summary['idle_rss_mib_median']} MiB (PSS {summary['idle_pss_mib_median']} MiB)"
    )
    path = write_result(
        args.name or ("startup-app" if args.app else "startup-dev"),
        {
            "app": what,
            "machine": info,
            "settings": vars(args) | {"out": str(args.out)},
            "runs": runs,
            "summary": summary,
            "cpu_note": cpu_note(),
        },
        args.out,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
