"""Several weighted terms and negatives: the parsed terms, their errors, and what negatives do to results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.errors import UsageError
from desktop.search.engine import SearchRequest
from desktop.search.terms import Term, parse_term, parse_terms


def test_weights_and_plain_text() -> None:
    assert parse_term("2:a beach") == Term("a beach", 2.0)
    assert parse_term(" 0.5: sunset ") == Term("sunset", 0.5)
    assert parse_term("sunset") == Term("sunset", 1.0)
    assert parse_term("note: a colon after a word is text") == Term("note: a colon after a word is text", 1.0)
    assert parse_term("1:10:30 in the morning") == Term("10:30 in the morning", 1.0)
    assert parse_terms(["a dog", "3:a ball"], ["grass"]) == [
        Term("a dog"),
        Term("a ball", 3.0),
        Term("grass", 1.0, negative=True),
    ]


@pytest.mark.parametrize("bad", ["0:a beach", "-1:a beach", "2x:a beach", "1e999:x", "2:", "nan1:x"])
def test_malformed_weights_are_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_term(bad)


def test_cli_malformed_weight_exits_2_with_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["search", "--library", str(tmp_path / "lib"), "--model", "test-pixels", "--text=-2:grass"])
    err = capsys.readouterr().err
    assert code == 2
    assert "malformed weight '-2'" in err and "--not" in err


def objects(scenes: dict, path: str) -> list[tuple[str, str]]:
    return [(o.colour, o.shape) for o in scenes[path].objects]


def test_a_negative_pushes_its_attribute_out_of_the_top(shapes_gallery) -> None:
    _, lib, scenes = shapes_gallery
    plain = lib.find(SearchRequest(tuple(parse_terms(["a circle"])), k=10, all=True))
    assert any(("red", "circle") in objects(scenes, h.path) for h in plain.hits), "red circles rank high without --not"
    pushed = lib.find(SearchRequest(tuple(parse_terms(["a circle"], ["red"])), k=10, all=True))
    assert not any(c == "red" for h in pushed.hits for c, _ in objects(scenes, h.path))
    assert sum(any(s == "circle" for _, s in objects(scenes, h.path)) for h in pushed.hits) >= 8


def test_weights_shift_the_balance_between_terms(shapes_gallery) -> None:
    _, lib, scenes = shapes_gallery

    def stars_and_blues(texts: list[str]) -> tuple[int, int]:
        hits = lib.find(SearchRequest(tuple(parse_terms(texts)), k=30, all=True)).hits
        objs = [objects(scenes, h.path) for h in hits]
        return sum(any(s == "star" for _, s in o) for o in objs), sum(any(c == "blue" for c, _ in o) for o in objs)

    star_heavy = stars_and_blues(["4:a star", "a blue shape"])
    blue_heavy = stars_and_blues(["a star", "4:a blue shape"])
    assert star_heavy[0] > blue_heavy[0] and blue_heavy[1] > star_heavy[1], (star_heavy, blue_heavy)


def test_json_echoes_terms_and_composed_negatives_work(shapes_gallery, capsys: pytest.CaptureFixture[str]) -> None:
    base, _lib, scenes = shapes_gallery
    reference = next(p for p in scenes if objects(scenes, p) and objects(scenes, p)[0][1] == "square")
    args = ["search", "--library", str(base / "lib"), "--model", "shapes-tiny", "--json", "--all"]
    args += ["--image", reference, "--text", "2:make it a circle", "--not", "red", "--k", "5"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["terms"] == [
        {"text": "make it a circle", "weight": 2.0, "negative": False},
        {"text": "red", "weight": 1.0, "negative": True},
    ]
    assert out["mode"] == "combiner" and len(out["results"]) == 5
    assert reference not in [r["path"] for r in out["results"]]
