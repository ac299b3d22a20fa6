"""The rclip comparison's own logic: order of the sides, pairing, parsing of outputs, the targets, and that a
measured child reports its own peak memory rather than the benchmark's. No timing is asserted."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from benchmarks.vs_rclip import (
    Run,
    _hits,
    check_indexed,
    orders,
    ratio_pairs,
    ratios,
    run_measured,
    summarise,
    targets,
)


def test_sides_alternate_and_reverse_each_repetition() -> None:
    assert orders(["rclip", "torch", "onnx"], 3) == [
        ["rclip", "torch", "onnx"],
        ["onnx", "torch", "rclip"],
        ["rclip", "torch", "onnx"],
    ]


def test_ratio_pairs_and_per_pair_ratios() -> None:
    assert ratio_pairs(["rclip", "torch", "onnx", "onnx-int8"]) == [
        ("torch", "rclip"),
        ("onnx", "rclip"),
        ("onnx-int8", "rclip"),
        ("onnx", "torch"),
        ("onnx-int8", "torch"),
    ]
    assert ratio_pairs(["torch", "onnx"]) == [("onnx", "torch")]
    r = ratios([2.0, 3.0, 8.0], [1.0, 2.0, 2.0])  # pairs: 2, 1.5, 4
    assert r == {"median": 2.0, "min": 1.5, "max": 4.0, "n": 3}


def test_hits_are_read_from_each_sides_output() -> None:
    rclip = "checking images...\n100%|###| 3/3\n\n/p/a.jpg\n/p/b.jpg\n"
    reframe = "note: something\n  1  0.312  /p/b.jpg\n  2  -0.010  /p/a b.jpg\n"
    assert _hits(rclip, "rclip") == ["/p/a.jpg", "/p/b.jpg"]
    assert _hits(reframe, "onnx") == ["/p/b.jpg", "/p/a b.jpg"]


def test_an_index_run_that_missed_photos_is_refused() -> None:
    ok = "indexed 4, skipped 0, moved 0, duplicates 0, deleted 0, failed 0, offline 0 in 2.0 s (2.0 img/s)"
    check_indexed("torch", ok, 4, None)
    with pytest.raises(RuntimeError):
        check_indexed("torch", ok.replace("indexed 4", "indexed 3"), 4, None)
    with pytest.raises(RuntimeError):
        check_indexed("onnx", ok.replace("failed 0", "failed 1"), 4, None)


def _run(wall: float, rss: float) -> Run:
    return Run(wall_s=wall, user_s=wall / 2, sys_s=0.0, peak_rss_mib=rss, load1=None)


def test_targets_are_judged_on_the_median_of_the_pairs() -> None:
    runs = {
        "rclip": [_run(2.0, 400), _run(2.0, 400), _run(2.0, 400)],
        "torch": [_run(20.0, 2000), _run(20.0, 2000), _run(20.0, 2000)],
        "onnx": [_run(2.2, 500), _run(3.0, 700), _run(2.0, 500)],  # / rclip: 1.1, 1.5, 1.0
    }
    metrics = {"wall_s": lambda r: r.wall_s, "peak_rss_mib": lambda r: r.peak_rss_mib}
    verdicts = {v["target"]: v for v in targets({"search": summarise(runs, metrics)}, list(runs))}
    assert verdicts["search wall / rclip <= 1.2"]["median"] == pytest.approx(1.1)
    assert verdicts["search wall / rclip <= 1.2"]["met"] is True
    assert verdicts["search wall / torch <= 0.25"]["met"] is True
    assert verdicts["search peak RSS MiB <= 600"]["max"] == 700
    assert verdicts["search peak RSS MiB <= 600"]["met"] is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KiB and fork semantics: Linux")
def test_a_measured_child_reports_its_own_peak_not_the_benchmarks(tmp_path: Path) -> None:
    ballast = bytearray(300 * 1024 * 1024)  # this process's peak RSS goes past 300 MiB
    ballast[::4096] = b"x" * len(ballast[::4096])
    run, _ = run_measured(["/bin/true"], cwd=tmp_path, env=dict(os.environ), log=tmp_path / "log")
    assert run.peak_rss_mib < 100
    del ballast
