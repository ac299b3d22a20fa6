"""The refine trail, recent searches, the last search on relaunch, and how the field was read."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.gui.window import MainWindow
from tests.gui.conftest import WindowFactory, random_photos, wait_idle


def shown(window: MainWindow) -> list[str]:
    return [h.path for h in window.results.hits()]


def enter(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Type ``text`` over the field and press Enter (a committed query: a turn as soon as its results come)."""
    field = window.search_bar.field
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def settled(qtbot: QtBot, window: MainWindow, turns: int) -> list[str]:
    """Wait for the trail to hold ``turns`` turns and the results of the query on screen; return those."""
    history, s = window.history, window.session
    qtbot.waitUntil(lambda: len(history.trail) == turns, timeout=30_000)
    qtbot.waitUntil(lambda: not s.searching and window.results.rowCount() > 0, timeout=30_000)
    return shown(window)


def chip_texts(window: MainWindow) -> list[str]:
    return [chip.text() for chip in window.history.bar.chips]


def test_the_trail_records_turns_and_a_chip_goes_back(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    photos = random_photos(tmp_path / "photos", 8)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    bar, history = window.search_bar, window.history
    assert not window.history.bar.isVisibleTo(window)  # nothing searched yet: no trail

    enter(qtbot, window, "a red circle")
    first = settled(qtbot, window, 1)
    window.grid.useAsReference.emit(str(photos[0]))  # a new reference with the change kept: the next turn
    second = settled(qtbot, window, 2)
    enter(qtbot, window, "a blue square")
    third = settled(qtbot, window, 3)
    assert len({tuple(first), tuple(second), tuple(third)}) == 3
    assert window.history.bar.isVisibleTo(window)
    assert chip_texts(window) == ["a red circle", "a red circle", "a blue square"]
    assert [c.isChecked() for c in history.bar.chips] == [False, False, True]
    assert "Reference: " + str(photos[0]) in history.bar.chips[1].toolTip()
    qtbot.waitUntil(lambda: not history.bar.chips[1].icon().isNull(), timeout=30_000)  # the reference, small
    assert history.bar.chips[0].icon().isNull()  # a text alone has no picture

    qtbot.mouseClick(history.bar.chips[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown(window) == first and not window.session.searching, timeout=30_000)
    assert bar.field.text() == "a red circle" and bar.reference is None
    assert history.trail.cursor == 0 and len(history.trail) == 3  # going back keeps the turns ahead
    assert [c.isChecked() for c in history.bar.chips] == [True, False, False]


def test_alt_arrows_step_through_the_trail_and_a_new_query_drops_the_turns_ahead(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    photos = random_photos(tmp_path / "photos", 8)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    bar, history = window.search_bar, window.history
    enter(qtbot, window, "a red circle")
    first = settled(qtbot, window, 1)
    window.grid.moreLikeThis.emit(str(photos[1]))  # a reference alone
    second = settled(qtbot, window, 2)
    enter(qtbot, window, "make it green")
    settled(qtbot, window, 3)
    assert chip_texts(window) == ["a red circle", "Similar", "make it green"]

    qtbot.keyClick(bar.field, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: history.trail.cursor == 1, timeout=5_000)
    qtbot.waitUntil(lambda: shown(window) == second and not window.session.searching, timeout=30_000)
    assert bar.field.text() == "" and bar.reference == str(photos[1])
    window.grid.setFocus()  # the keys work from the grid too
    qtbot.keyClick(window.grid, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: shown(window) == first and not window.session.searching, timeout=30_000)
    assert bar.field.text() == "a red circle" and bar.reference is None
    assert not history.back_action.isEnabled() and history.forward_action.isEnabled()
    qtbot.keyClick(window.grid, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: shown(window) == second and not window.session.searching, timeout=30_000)
    assert history.trail.cursor == 1 and bar.reference == str(photos[1])

    enter(qtbot, window, "a yellow star")  # from turn 2 of 3: turn 3 goes, the new one follows turn 2
    qtbot.waitUntil(lambda: chip_texts(window) == ["a red circle", "Similar", "a yellow star"], timeout=30_000)
    assert history.trail.cursor == 2 and not history.forward_action.isEnabled()

    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)  # the text goes: the screen shows no turn of the trail
    qtbot.waitUntil(lambda: not any(c.isChecked() for c in history.bar.chips), timeout=30_000)
    assert history.back_action.isEnabled()
    qtbot.keyClick(bar.field, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # back to the turn it left
    qtbot.waitUntil(lambda: bar.field.text() == "a yellow star", timeout=10_000)
    qtbot.waitUntil(lambda: history.bar.chips[2].isChecked(), timeout=30_000)
    assert len(history.trail) == 3


def test_a_query_left_on_screen_becomes_a_turn_but_typing_does_not_make_one_per_key(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    random_photos(tmp_path / "photos", 5)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    field = window.search_bar.field
    field.setFocus()
    qtbot.keyClicks(field, "a green triangle")  # no Enter: a turn once its results have stayed on screen
    qtbot.waitUntil(lambda: window.session.latest_query.text == "a green triangle", timeout=10_000)  # type: ignore[union-attr]
    settled(qtbot, window, 1)
    assert chip_texts(window) == ["a green triangle"]
    window.session.rerun()  # the library changed: the same query again is no new turn
    qtbot.waitUntil(lambda: not window.session.searching and not window.history.settling, timeout=30_000)
    assert len(window.history.trail) == 1


def test_a_query_settling_after_the_window_closed_is_harmless(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory, shown_errors: list[BaseException]
) -> None:
    random_photos(tmp_path / "photos", 3)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    qtbot.keyClicks(window.search_bar.field, "a blue square")  # not committed: it settles later
    qtbot.waitUntil(lambda: window.history.settling, timeout=30_000)
    window.close()
    qtbot.waitUntil(lambda: not window.history.settling, timeout=30_000)
    qtbot.waitUntil(lambda: not window.session.indexer.lane.active(), timeout=30_000)  # no write left to fail
    assert shown_errors == []


def test_recent_searches_drop_down_and_choosing_one_searches_it(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    random_photos(tmp_path / "photos", 5)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    for i, text in enumerate(("a red circle", "a blue square", "A red circle", "a green star"), start=1):
        enter(qtbot, window, text)
        qtbot.waitUntil(lambda text=text: window.history.recent.texts[:1] == [text], timeout=30_000)
        assert len(window.history.trail) == i
    assert window.history.recent.texts == ["a green star", "A red circle", "a blue square"]

    field = window.search_bar.field
    qtbot.keyClick(field, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    popup = window.history.completer.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    model = popup.model()
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == window.history.recent.texts
    qtbot.keyClick(popup, Qt.Key.Key_Down)  # from the newest to the one before
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session.latest_query.text == "A red circle", timeout=10_000)  # type: ignore[union-attr]
    assert field.text() == "A red circle" and not popup.isVisible()
    qtbot.waitUntil(lambda: window.history.recent.texts[0] == "A red circle", timeout=30_000)
    assert len(window.history.trail) == 5  # a chosen search is a turn at once


def test_the_last_search_is_restored_on_relaunch(qtbot: QtBot, tmp_path: Path, make_window: WindowFactory) -> None:
    random_photos(tmp_path / "photos", 6)
    reference = random_photos(tmp_path / "elsewhere", 1, seed=7)[0]  # a reference outside the library
    library = tmp_path / "library"
    window = make_window(roots=(tmp_path / "photos",), library=library)
    wait_idle(qtbot, window)
    enter(qtbot, window, "a blue square")
    settled(qtbot, window, 1)
    window.search_bar.well.set_reference(str(reference))
    before = settled(qtbot, window, 2)
    window.close()  # closing the window stores the query on screen (and the recent searches)

    again = make_window(library=library)
    assert again.search_bar.field.text() == "a blue square"  # shown at start, before the library is read
    assert again.search_bar.reference == str(reference)
    qtbot.waitUntil(lambda: shown(again) == before and not again.session.searching, timeout=60_000)
    assert again.session.latest_query is not None and again.session.latest_query.image == str(reference)
    assert again.history.recent.texts == ["a blue square"]
    qtbot.waitUntil(lambda: len(again.history.trail) == 1, timeout=30_000)  # the restored search is a turn
    again.close()

    reference.unlink()  # a reference that is gone is left out; the text is still searched
    third = make_window(library=library)
    assert third.search_bar.field.text() == "a blue square" and third.search_bar.reference is None
    qtbot.waitUntil(lambda: "Text search" in third.search_bar.status.text(), timeout=60_000)


def test_a_cleared_search_starts_on_the_library_next_time(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    random_photos(tmp_path / "photos", 4)
    library = tmp_path / "library"
    window = make_window(roots=(tmp_path / "photos",), library=library)
    wait_idle(qtbot, window)
    enter(qtbot, window, "a red circle")
    settled(qtbot, window, 1)
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.search_bar.status.text().startswith("4 photos"), timeout=30_000)
    window.close()
    again = make_window(library=library)
    assert again.search_bar.field.text() == ""
    qtbot.waitUntil(lambda: again.search_bar.status.text().startswith("4 photos"), timeout=60_000)


def test_the_field_shows_how_it_was_read(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    bar = window.search_bar
    reading = bar.reading
    bar.field.setText("beach -people")
    assert reading.isVisibleTo(window)
    assert reading.chip_texts() == ["beach", "-people"]
    assert "<s>people</s>" in reading.chips[1].text()  # the negative is struck through
    assert "<s>" not in reading.chips[0].text()

    bar.field.setText('2:sunset beach -"red car"')
    assert reading.chip_texts() == ["sunset ×2", "beach", "-red car"]

    bar.field.setText("a dog on a beach")  # plain text: searched as typed, nothing to explain
    assert not reading.isVisibleTo(window)
    bar.field.setText('"a dog on a beach"')
    assert not reading.isVisibleTo(window)

    bar.field.setText("0:sunset")  # a weight that does not parse: the rule
    assert reading.isVisibleTo(window) and reading.chips == []
    assert "a weight is a positive number before a colon" in reading.error.text()

    bar.field.setText("")
    assert not reading.isVisibleTo(window)


def test_going_back_brings_the_turns_filters_back_into_the_filter_bar(
    qtbot: QtBot, tmp_path: Path, make_window: WindowFactory
) -> None:
    from desktop.search.filter_choice import THIS_YEAR, DatePick

    random_photos(tmp_path / "photos", 6)
    window = make_window(roots=(tmp_path / "photos",))
    wait_idle(qtbot, window)
    bar = window.filter_bar
    bar.set_date(DatePick(THIS_YEAR))  # the photos were just written: all of them are from this year
    enter(qtbot, window, "a red circle")
    settled(qtbot, window, 1)
    this_year = window.session.filters
    bar.clear()
    enter(qtbot, window, "a blue square")
    settled(qtbot, window, 2)
    assert not bar.choice.active and not window.session.filters.active
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.session.latest_query.text == "a red circle", timeout=30_000)  # type: ignore[union-attr]
    assert window.session.latest_query.filters == this_year  # type: ignore[union-attr]
    assert bar.choice.date == DatePick(THIS_YEAR)  # the chip says it as it was picked
    assert [c.text for c in bar.chips] and "This year" in bar.chips[0].text
