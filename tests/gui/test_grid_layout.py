"""Where the grid puts cells and section headers: arithmetic checked against a plain walk over the rows."""

from __future__ import annotations

from desktop.gui.grid_layout import SECTION_GAP, GridLayout, Metrics, Section, month_key, month_sections, month_title

METRICS = Metrics(width=1000, cell_width=180, cell_height=200, header_height=40, divider_height=30, top=4, bottom=8)


def layout(count: int, *starts: int, divider: int | None = None) -> GridLayout:
    sections = [Section(s, f"month {s}", "month") for s in starts]
    if divider is not None:
        sections.append(Section(divider, "Weaker matches", "divider"))
    return GridLayout(count, sorted(sections, key=lambda s: s.start), METRICS)


def test_months_become_sections_in_order_and_a_page_continues_the_last_one() -> None:
    assert month_key("2023-06-14T09:30:00") == "2023-06"
    assert month_key(None) == month_key("garbage") == ""
    assert month_title("2023-06") == "June 2023" and month_title("") == "Date unknown"
    keys = ["2023-06", "2023-06", "2023-05", "2021-12", ""]
    assert [(s.start, s.title) for s in month_sections(keys)] == [
        (0, "June 2023"),
        (2, "May 2023"),
        (3, "December 2021"),
        (4, "Date unknown"),
    ]
    # The next page starts in the month the last one ended in: no second header for it.
    assert [(s.start, s.title) for s in month_sections(["2021-12", "2021-11"], 5, "2021-12")] == [(6, "November 2021")]


def test_each_section_starts_on_a_new_line_under_its_header() -> None:
    grid = layout(12, 0, 7)  # 5 columns: 7 rows take two lines, the next section starts on a third
    assert grid.columns == 5 and grid.slot_width == 200  # the spare width shared between the columns
    assert grid.rect(0) == (0, 4 + 40, 200, 200)
    assert grid.rect(6) == (200, 4 + 40 + 200, 200, 200)
    second_top = 4 + 40 + 2 * 200 + SECTION_GAP
    assert grid.header_rect(1) == (0, second_top, 1000, 40)
    assert grid.rect(7) == (0, second_top + 40, 200, 200)
    assert grid.height == second_top + 40 + 200 + 8


def test_points_find_their_rows_and_headers_find_none() -> None:
    grid = layout(12, 0, 7)
    for row in range(12):
        x, y, w, h = grid.rect(row) or (0, 0, 0, 0)
        assert grid.row_at(x + w // 2, y + h // 2) == row
        assert grid.row_at(x, y) == row and grid.row_at(x + w - 1, y + h - 1) == row
    assert grid.row_at(10, 4 + 10) == -1  # the first header
    assert grid.row_at(2 * 200 + 10, 4 + 40 + 200 + 10) == -1  # after the last photo of a short line
    assert grid.row_at(10, grid.header_rect(1)[1] - 2) == -1  # the gap before a section
    assert grid.row_at(10, grid.height + 50) == -1


def test_a_band_of_the_screen_holds_a_contiguous_run_of_rows() -> None:
    grid = layout(500, 0, 3, 40, 41, 200, divider=350)
    for top in range(0, grid.height, 97):
        bottom = top + 333
        want = [r for r in range(500) if (rect := grid.rect(r)) and rect[1] <= bottom and rect[1] + rect[3] - 1 >= top]
        assert list(grid.rows_between(top, bottom)) == want


def test_a_drag_rectangle_selects_the_cells_it_covers_line_by_line() -> None:
    grid = layout(12, 0, 7)
    # Columns 1-2 from the first section's first line down into the second section.
    top, bottom = grid.rect(1)[1] + 5, grid.rect(7)[1] + 5  # type: ignore[index]
    assert grid.ranges_in(250, top, 550, bottom) == [(1, 2), (6, 6), (8, 9)]
    assert grid.ranges_in(0, top, 999, top) == [(0, 4)]
    assert grid.ranges_in(0, 0, 999, 5) == []  # above the first cells


def test_up_and_down_keep_the_column_across_sections() -> None:
    grid = layout(12, 0, 7)
    assert grid.down(1) == 6  # onto the short second line
    assert grid.down(3) == 6  # its last photo when the line is shorter
    assert grid.down(6) == 8  # into the next section, same column
    assert grid.down(9) == 9  # nothing below
    assert grid.up(8) == 6  # back onto the short line: its last photo
    assert grid.up(7) == 5
    assert grid.up(2) == 2
    assert grid.line_top(7) == grid.header_rect(1)[1]  # a first line brings its header into view


def test_no_rows_no_sections() -> None:
    grid = GridLayout(0, [Section(0, "June 2023", "month")], METRICS)
    assert grid.height == 0 and grid.rect(0) is None and grid.row_at(5, 5) == -1
    assert list(grid.rows_between(0, 1000)) == []
