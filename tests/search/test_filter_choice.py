"""The filter bar's choices in the user's terms: quick picks resolve against today, ranges read as typed."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.errors import UsageError
from desktop.search.filter_choice import (
    LAST_12_MONTHS,
    LAST_YEAR,
    THIS_YEAR,
    DatePick,
    FilterChoice,
)
from desktop.search.filters import Filters

TODAY = dt.date(2026, 3, 14)


def test_quick_picks_are_relative_to_today() -> None:
    assert DatePick(THIS_YEAR).bounds(TODAY) == ("2026", "2026")
    assert DatePick(LAST_YEAR).bounds(TODAY) == ("2025", "2025")
    assert DatePick(LAST_12_MONTHS).bounds(TODAY) == ("2025-04", None)
    assert DatePick(LAST_12_MONTHS).bounds(dt.date(2026, 12, 1)) == ("2026-01", None)
    f = FilterChoice(DatePick(THIS_YEAR)).filters(TODAY)
    assert (f.after, f.before) == ("2026-01-01T00:00:00", "2027-01-01T00:00:00")


def test_labels_say_what_was_picked() -> None:
    assert DatePick(THIS_YEAR).label() == "This year"
    assert DatePick.year(2023).label() == "2023"
    assert DatePick(after="2015", before="2018").label() == "2015 – 2018"
    assert DatePick(after="2015-06").label() == "Since Jun 2015"
    assert DatePick(before="2018-02-03").label() == "Until 3 Feb 2018"


def test_a_choice_becomes_the_engines_filters() -> None:
    choice = FilterChoice(DatePick(after="2015", before="2018"), ("/photos/a",), ("png", "jpeg"))
    assert choice.filters() == Filters.parse("2015", "2018", ["/photos/a"], ["png", "jpeg"])
    assert not FilterChoice().active and choice.active
    with pytest.raises(UsageError):
        FilterChoice(DatePick(after="2019", before="2018")).filters()


def test_a_choice_survives_the_settings_and_bad_settings_are_left_out() -> None:
    choice = FilterChoice(DatePick(LAST_YEAR), ("/photos/a",), ("png",))
    assert FilterChoice.from_json(choice.to_json()) == choice
    assert FilterChoice.from_json(None) == FilterChoice()
    assert FilterChoice.from_json({"date": {"kind": "nonsense"}, "folders": [3, "/x"]}) == FilterChoice(None, ("/x",))
    broken = FilterChoice.from_json({"date": {"kind": "range", "after": "June"}, "folders": ["/x"], "kinds": ["png"]})
    assert broken == FilterChoice(None, ("/x",), ("png",))  # a date that does not parse goes, the rest stays
    assert FilterChoice.from_json({"kinds": ["png", "psd"]}) == FilterChoice()
