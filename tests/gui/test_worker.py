"""The background-work helper: results, errors and progress reach the main thread, in order."""

from __future__ import annotations

import threading
import time

import pytest
from pytestqt.qtbot import QtBot

from desktop.errors import UsageError
from desktop.gui.worker import Context, Lane, Op


@pytest.fixture
def lane() -> Lane:
    lane = Lane("test", 1)
    yield lane
    lane.cancel_all()
    lane.wait(5000)


def test_success_runs_on_the_main_thread(qtbot: QtBot, lane: Lane) -> None:
    main = threading.current_thread()
    where: list[threading.Thread] = []
    got: list[int] = []

    def work(ctx: Context) -> int:
        where.append(threading.current_thread())
        return 42

    def success(value: int) -> None:
        where.append(threading.current_thread())
        got.append(value)

    op = Op(work, success=success)
    with qtbot.waitSignal(op.finished, timeout=5000):
        op.run_in(lane)
    assert got == [42]
    assert where[0] is not main and where[1] is main
    assert lane.active() == []


def test_errors_go_to_the_one_handler_unless_the_caller_has_its_own(
    qtbot: QtBot, lane: Lane, shown_errors: list[BaseException]
) -> None:
    def fail(ctx: Context) -> None:
        raise UsageError("bad input", hint="try another")

    op = Op(fail, name="failing")
    with qtbot.waitSignal(op.finished, timeout=5000):
        op.run_in(lane)
    assert len(shown_errors) == 1 and isinstance(shown_errors[0], UsageError)

    own: list[BaseException] = []
    op2 = Op(fail, failure=own.append)
    with qtbot.waitSignal(op2.finished, timeout=5000):
        op2.run_in(lane)
    assert len(own) == 1 and len(shown_errors) == 1


def test_progress_is_throttled_in_order_and_the_last_value_arrives(qtbot: QtBot, lane: Lane) -> None:
    seen: list[int] = []

    def work(ctx: Context) -> None:
        for i in range(10_000):
            ctx.progress(i)

    op = Op(work, interval=0.05).with_progress(seen.append)
    with qtbot.waitSignal(op.finished, timeout=5000):
        op.run_in(lane)
    assert seen[-1] == 9_999
    assert seen == sorted(seen)
    assert len(seen) < 1000


def test_cancel_sets_the_flag_the_work_checks(qtbot: QtBot, lane: Lane) -> None:
    started = threading.Event()
    steps: list[int] = []

    def work(ctx: Context) -> str:
        started.set()
        for i in range(500):
            if ctx.cancelled:
                return "stopped"
            steps.append(i)
            time.sleep(0.01)
        return "finished"

    result: list[str] = []
    op = Op(work, success=result.append)
    op.run_in(lane)
    assert started.wait(5)
    op.cancel()
    qtbot.waitUntil(lambda: result == ["stopped"], timeout=5000)
    assert len(steps) < 500


def test_a_one_thread_lane_runs_in_order(qtbot: QtBot, lane: Lane) -> None:
    order: list[int] = []
    ops = [Op(lambda ctx, i=i: order.append(i)) for i in range(20)]
    for op in ops:
        op.run_in(lane)
    qtbot.waitUntil(lambda: all(op.done for op in ops), timeout=5000)
    assert order == list(range(20))
