"""Fetch a weights file over HTTP(S) with the standard library: resumable, verified, atomic.

The bytes go to ``<dest>.part``; a later call resumes it with an HTTP ``Range`` request (a server that
answers 200 instead of 206 restarts it from zero). A finished file is checked against ``sha256`` when one
is known, renamed into place in one step, and its hash is written beside it (``<dest>.sha256``) so an
unpinned download can be pinned later. Every failure is a :class:`ModelUnavailable` that says how to get
the file onto the machine by hand. ``REFRAME_OFFLINE=1`` forbids any network access.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from desktop import __version__, log
from desktop.errors import ModelUnavailable

Progress = Callable[[int, int | None], None]

ENV_OFFLINE = "REFRAME_OFFLINE"
CHUNK = 1 << 20
_log = log.get("models.download")


def offline() -> bool:
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def part_path(dest: Path) -> Path:
    return dest.with_suffix(dest.suffix + ".part")


def hash_path(dest: Path) -> Path:
    return dest.with_suffix(dest.suffix + ".sha256")


def fetch(
    url: str,
    dest: Path,
    *,
    sha256: str | None,
    expected_size: int | None = None,
    progress: Progress | None = None,
    timeout: float = 30,
    model: str | None = None,
) -> Path:
    """Download ``url`` to ``dest`` and return ``dest``.

    ``expected_size`` is exact: a different length is an error. ``progress(done, total)`` is called as
    bytes arrive (``total`` is None when the server does not say). ``model`` names the model in messages.
    """
    dest = Path(dest)
    fail = _Failure(model or dest.name, url, dest)
    if dest.is_file() and (sha256 is None or _file_sha256(dest) == sha256.lower()):
        return dest
    if offline():
        raise fail(f"{ENV_OFFLINE} is set, so nothing is downloaded")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise fail(f"cannot create {dest.parent}: {e}") from e
    part = part_path(dest)
    digest, done, total = _download(url, part, expected_size, progress, timeout, fail)
    if total is not None and done != total:
        raise fail(f"the download stopped at {done} of {total} bytes; run again to resume it")
    if expected_size is not None and done != expected_size:
        part.unlink(missing_ok=True)
        raise fail(f"the file has {done} bytes, {expected_size} were expected")
    if sha256 is not None and digest != sha256.lower():
        part.unlink(missing_ok=True)
        raise fail(f"checksum mismatch: expected sha256 {sha256.lower()}, got {digest} (the file was deleted)")
    os.replace(part, dest)
    with contextlib.suppress(OSError):
        hash_path(dest).write_text(f"{digest}  {dest.name}\n{url}\n", encoding="utf-8")
    _log.info("downloaded %s (%d bytes, sha256 %s) to %s", url, done, digest, dest)
    return dest


class _Failure:
    """Builds the one message every download failure shares."""

    def __init__(self, model: str, url: str, dest: Path) -> None:
        self.model, self.url, self.dest = model, url, dest

    def __call__(self, reason: str) -> ModelUnavailable:
        return ModelUnavailable(
            f"Cannot download the weights of model {self.model} from {self.url}: {reason}.",
            hint=(
                f"To use it without a network, fetch that file on another machine, then either pass it with "
                f"`reframe ... --model {self.model} --weights FILE` or copy it to {self.dest}"
            ),
        )


def _download(
    url: str,
    part: Path,
    expected_size: int | None,
    progress: Progress | None,
    timeout: float,
    fail: _Failure,
) -> tuple[str, int, int | None]:
    """Fill ``part`` from ``url``, resuming it. Returns (sha256 hex, bytes in part, total or None)."""
    offset = part.stat().st_size if part.is_file() else 0
    if expected_size is not None and offset > expected_size:
        part.unlink()
        offset = 0
    for _attempt in range(2):
        try:
            resp = _open(url, offset, timeout)
        except _RangeNotSatisfiable as e:
            if e.total is not None and e.total == offset:  # the part is already whole
                return _file_sha256(part), offset, offset
            part.unlink(missing_ok=True)
            offset = 0
            continue
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
            if isinstance(e, urllib.error.HTTPError):
                e.close()
            raise fail(_describe(e, timeout)) from e
        with resp:
            try:
                offset, total = _position(resp, offset)
            except http.client.HTTPException as e:
                raise fail(str(e)) from e
            digest = _prefix_sha256(part, offset)
            try:
                f = part.open("r+b" if offset else "wb")
            except OSError as e:
                raise fail(f"cannot write {part}: {e}") from e
            with f:
                f.seek(offset)
                f.truncate()
                done = _copy(resp, f, digest, offset, total, progress, timeout, fail)
            return digest.hexdigest(), done, total
    raise fail("the server refused to resume the download")


class _RangeNotSatisfiable(Exception):
    def __init__(self, total: int | None) -> None:
        super().__init__("416")
        self.total = total


def _open(url: str, offset: int, timeout: float) -> Any:
    headers = {"User-Agent": f"Reframe/{__version__}", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    req = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:
            total = _content_range(e.headers.get("Content-Range"))[2]
            e.close()
            raise _RangeNotSatisfiable(total) from e
        raise


def _position(resp: Any, offset: int) -> tuple[int, int | None]:
    """Where the response body starts in the file, and the file's total size if known."""
    length = resp.headers.get("Content-Length")
    body = int(length) if length and length.isdigit() else None
    if resp.status == 206:
        start, _end, total = _content_range(resp.headers.get("Content-Range"))
        if start == offset:
            return offset, total if total is not None else (offset + body if body is not None else None)
        raise http.client.HTTPException(f"the server resumed at byte {start}, not {offset}")
    if offset:
        _log.info("server ignored the Range request; restarting the download from the start")
    return 0, body


def _content_range(value: str | None) -> tuple[int | None, int | None, int | None]:
    """``bytes 10-99/100`` -> (10, 99, 100); ``bytes */100`` -> (None, None, 100)."""
    if not value or not value.startswith("bytes "):
        return None, None, None
    span, _, size = value[6:].partition("/")
    total = int(size) if size.strip().isdigit() else None
    start, _, end = span.partition("-")
    if start.strip().isdigit() and end.strip().isdigit():
        return int(start), int(end), total
    return None, None, total


def _copy(
    resp: Any,
    f: IO[bytes],
    digest: Any,
    done: int,
    total: int | None,
    progress: Progress | None,
    timeout: float,
    fail: _Failure,
) -> int:
    if progress:
        progress(done, total)
    while True:
        try:
            chunk = resp.read(CHUNK)
        except (http.client.HTTPException, OSError) as e:
            f.flush()
            raise fail(f"{_describe(e, timeout)} after {done} bytes; run again to resume") from e
        if not chunk:
            break
        try:
            f.write(chunk)
        except OSError as e:
            raise fail(f"cannot write {f.name}: {e}") from e
        digest.update(chunk)
        done += len(chunk)
        if progress:
            progress(done, total)
    f.flush()
    os.fsync(f.fileno())
    return done


def _describe(e: BaseException, timeout: float) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"the server answered HTTP {e.code} {e.reason}"
    reason = e.reason if isinstance(e, urllib.error.URLError) else e
    if isinstance(reason, socket.gaierror):
        return f"the host name could not be resolved, is the network down? ({reason})"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    return f"network error: {reason}"


def _prefix_sha256(path: Path, length: int) -> Any:
    digest = hashlib.sha256()
    if length:
        with path.open("rb") as f:
            remaining = length
            while remaining:
                block = f.read(min(CHUNK, remaining))
                if not block:
                    break
                digest.update(block)
                remaining -= len(block)
    return digest


def _file_sha256(path: Path) -> str:
    return _prefix_sha256(path, path.stat().st_size).hexdigest()


class TqdmProgress:
    """A ``progress(done, total)`` callback drawing a tqdm bar on stderr; closes itself when done."""

    def __init__(self, desc: str) -> None:
        self.desc = desc
        self._bar: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if self._bar is None or (self._bar.total != total) or done < self._bar.n:
            self.close()
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, desc=self.desc, unit="B", unit_scale=True, unit_divisor=1024)
        else:
            self._bar.update(done - self._bar.n)
        if total is not None and done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TqdmProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def tqdm_progress(desc: str) -> TqdmProgress:
    return TqdmProgress(desc)
