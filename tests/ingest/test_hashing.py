"""quick_hash: same bytes, same fingerprint; what it does and does not notice."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from desktop.ingest.hashing import HEAD_BYTES, quick_hash

SIZE = 3 * 1024 * 1024


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _edited(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


@pytest.fixture(scope="module")
def payload() -> bytes:
    return random.Random(1).randbytes(SIZE)


def test_same_content_same_hash_wherever_it_lives(tmp_path: Path, payload: bytes) -> None:
    a = quick_hash(_file(tmp_path / "a.jpg", payload))
    b = quick_hash(_file(tmp_path / "renamed.jpg", payload))
    assert a == b
    assert len(a) == 32 and int(a, 16) >= 0


@pytest.mark.parametrize("where", [0, HEAD_BYTES - 1, SIZE - 1, SIZE - 60_000])
def test_edits_in_head_or_tail_change_the_hash(where: int, tmp_path: Path, payload: bytes) -> None:
    original = quick_hash(_file(tmp_path / "a.jpg", payload))
    assert quick_hash(_file(tmp_path / "b.jpg", _edited(payload, where))) != original


def test_size_change_changes_the_hash(tmp_path: Path, payload: bytes) -> None:
    original = quick_hash(_file(tmp_path / "a.jpg", payload))
    assert quick_hash(_file(tmp_path / "b.jpg", payload[:-1])) != original
    assert quick_hash(_file(tmp_path / "c.jpg", payload + b"\x00")) != original


def test_edit_in_the_unread_middle_is_not_seen(tmp_path: Path, payload: bytes) -> None:
    """Documented trade-off: only the head, the tail and the size are read."""
    original = quick_hash(_file(tmp_path / "a.jpg", payload))
    assert quick_hash(_file(tmp_path / "b.jpg", _edited(payload, 2 * 1024 * 1024))) == original


def test_small_and_empty_files(tmp_path: Path) -> None:
    tiny = quick_hash(_file(tmp_path / "a", b"abc"))
    assert tiny != quick_hash(_file(tmp_path / "b", b"abd"))
    assert tiny != quick_hash(_file(tmp_path / "c", b""))


def test_failures_are_oserrors(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        quick_hash(tmp_path / "missing.jpg")
    with pytest.raises(OSError):
        quick_hash(tmp_path)
