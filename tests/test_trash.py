"""Moving to the trash: each file on its own, and every failure told in words."""

from __future__ import annotations

import errno
from pathlib import Path

from desktop.trash import describe_failure, move_to_trash


def test_each_file_is_moved_on_its_own_and_failures_say_why(tmp_path: Path) -> None:
    a, b, locked = (tmp_path / n for n in ("a.jpg", "b.jpg", "locked.jpg"))
    for p in (a, b, locked):
        p.write_bytes(b"x")
    moved: list[str] = []

    def mover(path: str) -> None:
        if path.endswith("locked.jpg"):
            raise OSError(errno.EACCES, f"Permission denied: {path}")
        moved.append(path)

    report = move_to_trash([a, tmp_path / "gone.jpg", locked, b], mover=mover)
    assert report.moved == [str(a), str(b)] == moved
    assert [p for p, _ in report.failed] == [str(tmp_path / "gone.jpg"), str(locked)]
    gone, denied = (why for _, why in report.failed)
    assert gone.startswith("gone.jpg is not there any more")
    assert denied == "locked.jpg: permission denied (the file or its folder is read-only for you)"


def test_failures_are_in_our_words() -> None:
    class TrashPermissionError(PermissionError):  # send2trash's, by name
        pass

    assert "no trash that Reframe may use" in describe_failure("/m/p.jpg", TrashPermissionError("/m"))
    assert (
        describe_failure("/m/p.jpg", OSError(errno.EROFS, "Read-only file system")) == "p.jpg is on a read-only drive"
    )
    assert describe_failure("/m/p.jpg", OSError(errno.EIO, "Input/output error")).endswith(": input/output error")
    odd = describe_failure("/m/p.jpg", RuntimeError("gio: g_file_trash failed 0x42"))
    assert "0x42" not in odd and "log" in odd
