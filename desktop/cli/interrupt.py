"""Ctrl-C during a long run: the first one asks the run to stop and keep what it did, the second one quits."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def stop_on_ctrl_c(what: str = "stopping") -> Iterator[threading.Event]:
    """Yield an event that the first SIGINT sets; a second SIGINT raises KeyboardInterrupt as usual."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signal handlers can only be set from the main thread
        return

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print(f"\nreframe: {what}; Ctrl-C again to quit at once", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
