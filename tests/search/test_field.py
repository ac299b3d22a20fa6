"""The search field's syntax: how a line of text becomes query terms."""

from __future__ import annotations

import pytest

from desktop.errors import UsageError
from desktop.search.field import parse_field


def read(text: str) -> list[tuple[str, float, bool]]:
    return [(t.text, t.weight, t.negative) for t in parse_field(text).terms]


def test_plain_words_are_one_term_as_typed() -> None:
    assert read("a dog on a beach at night") == [("a dog on a beach at night", 1.0, False)]
    assert parse_field("a dog on a beach").plain


def test_negatives_words_and_phrases() -> None:
    assert read("beach -people") == [("beach", 1.0, False), ("people", 1.0, True)]
    assert read('-"red car" blue sky') == [("red car", 1.0, True), ("blue sky", 1.0, False)]
    q = parse_field("beach -people")
    assert [t.text for t in q.positives] == ["beach"] and [t.text for t in q.negatives] == ["people"]
    assert not q.plain


def test_weights_on_words_phrases_and_negatives() -> None:
    assert read("2:sunset beach") == [("sunset", 2.0, False), ("beach", 1.0, False)]
    assert read('0.5:"blue sky" "red car"') == [("blue sky", 0.5, False), ("red car", 1.0, False)]
    assert read("-2:grass dog") == [("grass", 2.0, True), ("dog", 1.0, False)]


def test_hyphens_inside_words_and_lone_dashes_are_text() -> None:
    assert read("black-and-white photo") == [("black-and-white photo", 1.0, False)]
    assert read("a - b") == [("a - b", 1.0, False)]
    assert read('"10:30" clock') == [("10:30", 1.0, False), ("clock", 1.0, False)]


def test_empty_and_unterminated() -> None:
    assert read("") == [] and read('  ""  ') == []
    assert read('"an unterminated phrase') == [("an unterminated phrase", 1.0, False)]


@pytest.mark.parametrize("text", ["0:x", "2x:y", "-0:grass", '-""', '3:""'])
def test_what_cannot_be_read_is_refused_with_the_rule(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_field(text)
    assert text in err.value.message
