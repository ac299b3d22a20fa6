"""reframe duplicates: copies of a picture grouped, a changed scene kept apart, groups that survive a rename."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.duplicates import find_duplicates
from desktop.library import Library
from desktop.shapes.variants import make_duplicate_set
from tests.conftest import needs_shapes_tiny

pytestmark = needs_shapes_tiny


@pytest.fixture(scope="module")
def dupset(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("dups")
    made = make_duplicate_set(base / "photos", 24, seed=53)
    with Library.open(base / "lib", "shapes-tiny") as lib:
        lib.add_root(base / "photos")
        lib.index()
    return base, made


def run_json(base: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[list[dict]]:
    assert main(["duplicates", "--library", str(base / "lib"), "--model", "shapes-tiny", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_copies_are_grouped_and_changed_scenes_kept_apart(dupset, capsys: pytest.CaptureFixture[str]) -> None:
    base, made = dupset
    groups = run_json(base, capsys)
    truth = {str(g.path.resolve()): g.group for g in made}
    pairs_right = pairs_total = 0
    for group in groups:
        assert set(group[0]) == {"path", "size", "width", "height", "taken"}
        ids = [truth[m["path"]] for m in group]
        pairs_total += len(ids) * (len(ids) - 1) // 2
        pairs_right += sum(ids[i] == ids[j] for i in range(len(ids)) for j in range(i + 1, len(ids)))
    assert pairs_total and pairs_right / pairs_total >= 0.9
    grouped = {m["path"] for g in groups for m in g}
    originals = [str(g.path.resolve()) for g in made if g.how == "original"]
    assert sum(o in grouped for o in originals) >= 0.9 * len(originals)
    negatives = [str(g.path.resolve()) for g in made if g.how == "negative"]
    assert sum(n in grouped for n in negatives) <= 0.1 * len(negatives)
    assert all(Path(g.path).exists() for g in made), "nothing is deleted"


def test_keeper_first_is_the_largest(dupset, capsys: pytest.CaptureFixture[str]) -> None:
    base, _ = dupset
    for group in run_json(base, capsys):
        pixels = [m["width"] * m["height"] for m in group]
        assert pixels[0] == max(pixels)


def test_a_group_survives_a_rename(tmp_path: Path) -> None:
    make_duplicate_set(tmp_path / "photos", 6, seed=54)
    with Library.open(tmp_path / "lib", "shapes-tiny") as lib:
        lib.add_root(tmp_path / "photos")
        lib.index()
        before = find_duplicates(lib).groups
        assert before
        victim = Path(before[0][-1].path)
        renamed = victim.with_name("renamed-" + victim.name)
        victim.rename(renamed)
        summary = lib.index()
        assert summary.moved == 1 and summary.indexed == 0, "the rename re-uses the vector"
        after = find_duplicates(lib).groups
        old = {m.path for m in before[0]} - {str(victim)} | {str(renamed)}
        assert any({m.path for m in g} == old for g in after)
        assert len(after) == len(before)


def test_folder_limits_the_search_and_a_byte_copy_is_always_a_duplicate(tmp_path: Path) -> None:
    made = make_duplicate_set(tmp_path / "photos", 4, seed=55)
    original = next(g.path for g in made if g.how == "original")
    elsewhere = tmp_path / "photos" / "zz-other"
    elsewhere.mkdir()
    (elsewhere / "same.jpg").write_bytes(original.read_bytes())
    with Library.open(tmp_path / "lib", "shapes-tiny") as lib:
        lib.add_root(tmp_path / "photos")
        lib.index()
        only = find_duplicates(lib, folders=[str(elsewhere)]).groups
        assert only == [], "one photo in the folder has nothing to pair with inside it"
        whole = find_duplicates(lib, threshold=0.999, check=False).groups
        assert any(
            {str(original.resolve()), str((elsewhere / "same.jpg").resolve())} <= {m.path for m in g} for g in whole
        )
