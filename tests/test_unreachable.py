"""What cannot be read is kept, not deleted: unreadable subfolders and files, and roots without permission."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from desktop.catalog import INDEXED, UNREACHABLE
from desktop.library import Library
from tests.conftest import write_scene
from tests.unprivileged import json_of, needs_posix, reframe

MODEL = "test-pixels"


def make_photos(root: Path) -> Path:
    from desktop.shapes.world import random_scene

    rng = random.Random(5)
    for i in range(8):
        write_scene(root / ("2019" if i < 5 else "2020") / f"img{i}.png", random_scene(rng), seed=i)
    return root


def test_unreadable_subfolder_keeps_its_photos(tmp_path: Path) -> None:
    needs_posix()
    photos, lib = make_photos(tmp_path / "photos"), tmp_path / "lib"
    first = json_of(reframe("index", str(photos), "--model", MODEL, "--json", library=lib))
    assert first["indexed"] == 8

    (photos / "2019").chmod(0)
    try:
        run = json_of(reframe("index", "--model", MODEL, "--json", library=lib))
        status = json_of(reframe("status", "--json", library=lib))
        plain = reframe("index", "--model", MODEL, library=lib)
    finally:
        (photos / "2019").chmod(0o755)
    assert run["deleted"] == 0 and run["unreachable"] == 5
    assert run["problems"] == [{"path": str(photos / "2019"), "reason": "permission denied"}]
    assert status["counts"]["unreachable"] == 5 and status["counts"]["indexed"] == 3
    assert {u["reason"] for u in status["unreachable"]} == {"permission denied"}
    assert f"cannot read: {photos / '2019'} (permission denied" in plain.stdout
    assert "unreachable 5" in plain.stdout
    log = (lib / "logs").glob("*.log")
    assert any("permission denied" in p.read_text() for p in log), "the reason reaches the log"

    back = json_of(reframe("index", "--model", MODEL, "--json", library=lib))
    assert (back["indexed"], back["deleted"], back["unreachable"], back["skipped"]) == (0, 0, 0, 8)
    assert json_of(reframe("status", "--json", library=lib))["counts"]["indexed"] == 8


def test_root_without_permission_is_denied_not_offline(tmp_path: Path) -> None:
    needs_posix()
    photos, lib = make_photos(tmp_path / "photos"), tmp_path / "lib"
    json_of(reframe("index", str(photos), "--model", MODEL, "--json", library=lib))
    photos.chmod(0)
    try:
        plain = reframe("index", "--model", MODEL, library=lib)
        status = json_of(reframe("status", "--json", library=lib))
        status_text = reframe("status", library=lib).stdout
    finally:
        photos.chmod(0o755)
    assert plain.returncode == 0, plain.stderr
    assert f"permission denied: {photos}" in plain.stdout and "offline:" not in plain.stdout
    assert "deleted 0" in plain.stdout and "unreachable 8" in plain.stdout
    assert status["roots"][0]["state"] == "denied"
    assert status["counts"]["unreachable"] == 8
    assert "[permission denied]" in status_text
    back = json_of(reframe("index", "--model", MODEL, "--json", library=lib))
    assert (back["indexed"], back["skipped"]) == (0, 8)


def test_a_folder_that_cannot_be_listed_keeps_its_rows_and_vectors(tmp_path: Path) -> None:
    """In process, without changing users: a folder turned into a link loop cannot be listed either."""
    photos = make_photos(tmp_path / "photos")
    with Library.open(tmp_path / "lib", MODEL) as lib:
        lib.add_root(photos)
        assert lib.index().indexed == 8
        shutil.move(photos / "2019", tmp_path / "aside")
        (photos / "2019").symlink_to(photos / "2019")  # stat: too many levels of symbolic links
        s = lib.index()
        assert (s.deleted, s.unreachable) == (0, 5)
        assert [p for p, _ in s.problems] == [str(photos / "2019")]
        assert lib.catalog.counts()[UNREACHABLE] == 5
        assert len(lib.vector_index) == 3, "unreachable photos are not searchable meanwhile"
        (photos / "2019").unlink()
        shutil.move(tmp_path / "aside", photos / "2019")
        s = lib.index()
        assert (s.indexed, s.deleted, s.skipped) == (0, 0, 8)
        assert lib.catalog.counts()[INDEXED] == 8
        assert len(lib.vector_index) == 8
