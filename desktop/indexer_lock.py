"""One indexer per library, across processes: the app and every ``reframe index`` take the same lock.

The lock is an OS file lock (``filelock``: ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows), so it
goes away with the process that held it, even when that process is killed. Who holds it is written to a
small file beside it, so that a second indexer can say whom it waits for. Searches never take it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from desktop.errors import LibraryError

LOCK_NAME = "indexer.lock"
HOLDER_NAME = "indexer.holder.json"
#: How often a waiting indexer looks again (and checks whether it was cancelled).
POLL_S = 0.25


class LibraryBusy(LibraryError):
    """Another process is indexing this library (and we were asked not to wait)."""


def _describe(holder: dict[str, object] | None) -> str:
    if not holder:
        return "another process"
    since = holder.get("since")
    when = time.strftime("%H:%M:%S", time.localtime(float(since))) if isinstance(since, (int, float)) else "?"
    return f"{holder.get('command', 'a process')} (pid {holder.get('pid')} on {holder.get('host')}, since {when})"


class IndexerLock:
    def __init__(self, library_dir: Path) -> None:
        self.path = Path(library_dir) / LOCK_NAME
        self.holder_path = Path(library_dir) / HOLDER_NAME
        self._lock = FileLock(str(self.path), thread_local=False)

    def holder(self) -> dict[str, object] | None:
        """What the current holder wrote about itself (None when nobody does, or it cannot be read)."""
        try:
            data = json.loads(self.holder_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def describe_holder(self) -> str:
        return _describe(self.holder())

    @contextlib.contextmanager
    def held(
        self,
        *,
        wait: bool = True,
        on_wait: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
        command: str = "reframe",
    ) -> Iterator[bool]:
        """Hold the lock for the block; yields False (without holding it) if ``cancel`` was set while waiting.

        Raises :class:`LibraryBusy` at once when another process holds it and ``wait`` is False.
        """
        if not self._try():
            who = self.describe_holder()
            if not wait:
                raise LibraryBusy(
                    f"another indexer is working on this library: {who}",
                    hint="run again without --no-wait to wait for it",
                )
            if on_wait is not None:
                on_wait(f"waiting for another indexer to finish: {who}")
            while not self._try(POLL_S):
                if cancel is not None and cancel.is_set():
                    yield False
                    return
        try:
            self._write_holder(command)
            yield True
        finally:
            with contextlib.suppress(OSError):
                self.holder_path.unlink()
            self._lock.release()

    def _try(self, timeout: float = 0) -> bool:
        try:
            self._lock.acquire(timeout=timeout)
        except Timeout:
            return False
        return True

    def _write_holder(self, command: str) -> None:
        from desktop.files import write_bytes_atomic

        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "since": time.time()}
        with contextlib.suppress(OSError):  # a note for people; the lock itself is what counts
            write_bytes_atomic(self.holder_path, json.dumps(info).encode("utf-8"))
