"""The freeze benchmark's canaries tell a stopped machine from the app's own gaps."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from benchmarks.ui_freeze import Canary, own_gap


def test_own_gap_subtracts_overlapping_stalls_once() -> None:
    assert own_gap((0.0, 10.0), []) == 10.0
    assert own_gap((0.0, 10.0), [(1.0, 3.0), (2.0, 4.0), (8.0, 12.0)]) == 5.0  # overlaps counted once
    assert own_gap((0.0, 10.0), [(-5.0, 20.0)]) == 0.0
    assert own_gap((0.0, 10.0), [(11.0, 12.0)]) == 10.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/thread-self/schedstat")
def test_a_canary_that_is_not_run_reports_a_stall() -> None:
    canary = Canary()  # returns once every canary is watching
    stopped = canary._procs[0]
    os.kill(stopped.pid, signal.SIGSTOP)  # as a hypervisor would: not running, and not waiting for a CPU
    t0 = time.monotonic()
    time.sleep(0.3)
    os.kill(stopped.pid, signal.SIGCONT)
    stalls = canary.stop()
    assert any(a <= t0 + 0.05 and b >= t0 + 0.25 for a, b in stalls), stalls
