"""`reframe folders` and `reframe index --exclude`: the library's folders from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.library import Library

MODEL = ["--model", "test-pixels"]


def lib_args(tmp_path: Path) -> list[str]:
    return ["--library", str(tmp_path / "lib")]


def test_list_remove_exclude_include(tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other"
    (other / "a").mkdir(parents=True)
    (other / "a" / "x.png").write_bytes(next(photos.rglob("*.png")).read_bytes())
    assert main(["index", str(photos), str(other), *lib_args(tmp_path), *MODEL]) == 0
    capsys.readouterr()

    assert main(["folders", *lib_args(tmp_path)]) == 0
    listed = capsys.readouterr().out
    assert f"[ok] {photos.resolve()}  (12 indexed)" in listed and f"[ok] {other.resolve()}  (1 indexed)" in listed

    assert main(["folders", "exclude", "*/trip", *lib_args(tmp_path)]) == 0
    assert main(["index", "--json", *lib_args(tmp_path), *MODEL]) == 0
    assert '"deleted": 6' in capsys.readouterr().out
    with Library.open(tmp_path / "lib", "test-pixels") as lib:
        assert lib.excluded() == ["*/trip"], "the app reads the same list"
    assert main(["folders", "include", "*/trip", *lib_args(tmp_path)]) == 0
    assert main(["index", "--json", *lib_args(tmp_path), *MODEL]) == 0
    back = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert back["indexed"] + back["duplicates"] == 6  # the six under trip/ (one is a copy of other/a/x.png)

    assert main(["folders", "remove", str(other), "--yes", *lib_args(tmp_path)]) == 0
    assert "1 photos forgotten" in capsys.readouterr().out
    assert (other / "a" / "x.png").is_file(), "files are never touched"
    with Library.open(tmp_path / "lib", "test-pixels") as lib:
        assert [r.path for r in lib.roots()] == [str(photos.resolve())]
        assert len(lib.vector_index) == 12


def test_remove_asks_first_and_refuses_unknown_folders(
    tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(photos), *lib_args(tmp_path), *MODEL]) == 0
    assert main(["folders", "remove", str(photos), *lib_args(tmp_path)]) == 2  # no terminal to ask on
    assert "--yes" in capsys.readouterr().err
    assert main(["folders", "remove", str(tmp_path / "nope"), "--yes", *lib_args(tmp_path)]) == 2
    assert main(["folders", "include", "*.gif", *lib_args(tmp_path)]) == 2


def test_index_exclude_is_for_one_run(tmp_path: Path, photos: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", str(photos), "--exclude", "img0*.png", "--json", *lib_args(tmp_path), *MODEL]) == 0
    assert '"indexed": 2' in capsys.readouterr().out  # img10, img11
    assert main(["index", "--json", *lib_args(tmp_path), *MODEL]) == 0
    assert '"indexed": 10' in capsys.readouterr().out
