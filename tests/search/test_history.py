"""The refine trail, recent searches and the stored last search, without a window."""

from __future__ import annotations

from pathlib import Path

from desktop.search.filters import Filters
from desktop.search.history import (
    RecentSearches,
    Trail,
    Turn,
    last_search,
    last_search_setting,
)


def test_the_same_terms_with_the_same_reference_are_one_turn() -> None:
    assert Turn("Sunset  beach").key == Turn("sunset beach").key
    assert Turn("beach -people").key == Turn("beach  -People").key
    assert Turn("beach").key != Turn("beach", "/photos/a.jpg").key
    assert Turn("2:sunset beach").key != Turn("sunset beach").key
    assert Turn("0:bad").key == Turn("0:bad").key  # a field that does not parse compares as its text


def test_a_trail_goes_back_and_a_new_turn_drops_what_was_ahead() -> None:
    trail = Trail()
    for text in ("a", "b", "c"):
        assert trail.record(Turn(text))
    assert [t.text for t in trail.turns] == ["a", "b", "c"] and trail.cursor == 2
    assert trail.back() == Turn("b")  # the turn now on screen
    assert trail.current == Turn("b")
    assert trail.back() == Turn("a") and not trail.can_back and trail.can_forward
    assert trail.forward() == Turn("b")
    assert trail.record(Turn("d"))
    assert [t.text for t in trail.turns] == ["a", "b", "d"] and not trail.can_forward


def test_the_turn_on_screen_again_is_no_new_turn_but_keeps_the_latest_filters() -> None:
    trail = Trail()
    trail.record(Turn("beach"))
    later = Filters.parse(after="2020")
    assert not trail.record(Turn("Beach", filters=later))
    assert len(trail) == 1 and trail.current is not None and trail.current.filters == later
    assert not trail.record(Turn(""))  # browsing is not a turn
    assert len(trail) == 1


def test_a_long_trail_keeps_its_newest_turns() -> None:
    trail = Trail(limit=3)
    for i in range(5):
        trail.record(Turn(f"q{i}"))
    assert [t.text for t in trail.turns] == ["q2", "q3", "q4"] and trail.cursor == 2


def test_a_chip_says_the_turn_in_short_and_its_tooltip_in_full() -> None:
    long = "a very long description of a photo that does not fit"
    assert Turn(long).label().endswith("…") and len(Turn(long).label()) <= 32
    assert Turn("", "/p/ref.png").label() == "Similar"
    described = Turn("make it red", "/p/ref.png", Filters.parse(after="2021", before="2022")).describe()
    assert described.splitlines() == ["Reference: /p/ref.png", "Change: make it red", "Dates: 2021-01-01 to 2022-12-31"]


def test_recent_searches_are_distinct_newest_first_and_bounded() -> None:
    recent = RecentSearches(limit=3)
    for text in ("beach", "sunset", "Beach", "  sunset  ", "dog", "cat"):
        recent.add(text)
    assert recent.texts == ["cat", "dog", "sunset"]
    assert RecentSearches.from_setting(recent.to_setting()).texts == ["cat", "dog", "sunset"]
    assert RecentSearches.from_setting("not json").texts == []
    assert RecentSearches.from_setting('{"a": 1}').texts == []
    assert not recent.add("   ")


def test_the_last_search_leaves_out_a_reference_that_is_gone(tmp_path: Path) -> None:
    ref = tmp_path / "ref.png"
    ref.write_bytes(b"x")
    stored = last_search_setting("make it red", str(ref))
    assert last_search(stored) == ("make it red", str(ref))
    ref.unlink()
    assert last_search(stored) == ("make it red", None)
    assert last_search(last_search_setting("", str(ref))) is None  # nothing left to search
    assert last_search_setting("  ", None) is None
    assert last_search("garbage") is None and last_search(None) is None
