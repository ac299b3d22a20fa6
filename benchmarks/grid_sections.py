"""How long the sectioned results grid takes to lay out, page in, paint and scroll 10k and 100k photos.

The grid (``desktop.gui.section_grid``) lays cells out under month headers itself. This builds the real
``ResultsView`` offscreen over ``--rows`` synthetic browse hits (one photo every few hours back from now,
so about a month header per 200 rows at 10k) and times, on the main thread:

* ``show``: ``set_hits`` of all rows by date (the month sections) and the layout that follows;
* ``page``: appending one page of 500 rows (what scrolling to the end of a browse does);
* ``relayout``: a width change (the window resized, or a scroll bar came);
* ``paint``: a full repaint of the viewport at 40 scroll positions spread over the list;
* ``scroll``: 300 steps of 40 px (mouse-wheel scrolling), each a scroll and the repaint it causes.

The files do not exist, so every cell shows the "broken" placeholder: the thumbnail loader's work is not in
these numbers (it runs on its own threads). Asserts nothing.

    python -m benchmarks.grid_sections [--rows 10000,100000] [--width 1000 --height 700]
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.common import add_output_args, arg_parser, begin, finish, summary_ms, table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def fake_hits(n: int, start: int = 0) -> list[Any]:
    from desktop.catalog.queries import PhotoFacts
    from desktop.search.engine import FoundHit

    now = dt.datetime(2026, 11, 30, 12)
    hits = []
    for i in range(start, start + n):
        taken = (now - dt.timedelta(hours=3.6 * i)).isoformat(timespec="seconds")
        facts = PhotoFacts(
            i + 1, f"/nowhere/{i // 1000:03d}/IMG_{i:06d}.jpg", 1 << 20, 4000, 3000, taken, "file", "jpeg", None
        )
        hits.append(FoundHit(facts, None))
    return hits


def measure(rows: int, width: int, height: int, scratch: Path) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    from desktop.gui.grid import ResultsView
    from desktop.gui.results import ResultsModel
    from desktop.gui.thumbnails import ThumbnailLoader
    from desktop.thumbs import ThumbnailCache

    app = QApplication.instance() or QApplication([])
    loader = ThumbnailLoader(ThumbnailCache(scratch / "grid-thumbs"))
    model = ResultsModel(loader, 160)
    view = ResultsView(model)
    view.resize(width, height)
    view.show()
    app.processEvents()
    hits = fake_hits(rows)
    page = fake_hits(500, rows)

    t0 = time.perf_counter()
    model.set_hits(hits, None, by_date=True, total=rows + 500)
    show = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.append_hits(page)
    append = time.perf_counter() - t0
    relayouts = []
    for w in (width - 17, width):
        t0 = time.perf_counter()
        view.resize(w, height)
        app.processEvents()
        relayouts.append(time.perf_counter() - t0)
    bar = view.verticalScrollBar()
    paints = []
    for k in range(40):
        bar.setValue(bar.maximum() * k // 39)
        app.processEvents()
        t0 = time.perf_counter()
        view.viewport().repaint()
        paints.append(time.perf_counter() - t0)
    bar.setValue(bar.maximum() // 3)
    app.processEvents()
    scrolls = []
    for _ in range(300):
        t0 = time.perf_counter()
        bar.setValue(bar.value() + 40)
        view.viewport().repaint()
        scrolls.append(time.perf_counter() - t0)
    result = {
        "rows": rows + 500,
        "sections": len(model.sections()),
        "columns": view.placement.columns,
        "show_ms": round(show * 1000, 2),
        "page_ms": round(append * 1000, 2),
        "relayout_ms": round(statistics.median(relayouts) * 1000, 2),
        "paint": summary_ms(paints),
        "scroll": summary_ms(scrolls),
        "scroll_max_ms": round(max(scrolls) * 1000, 2),
    }
    view.close()
    loader.stop()
    return result


def main() -> int:
    ap = arg_parser(__doc__)
    ap.add_argument("--rows", default="10000,100000")
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--height", type=int, default=700)
    add_output_args(ap, "grid_sections")
    args = ap.parse_args()
    info = begin()
    results = [measure(int(n), args.width, args.height, args.scratch) for n in args.rows.split(",")]
    print(
        table(
            [
                "rows",
                "sections",
                "show ms",
                "page ms",
                "relayout ms",
                "paint p50",
                "paint p95",
                "scroll p50",
                "scroll p95",
                "scroll max",
            ],
            [
                [
                    r["rows"],
                    r["sections"],
                    r["show_ms"],
                    r["page_ms"],
                    r["relayout_ms"],
                    r["paint"]["p50_ms"],
                    r["paint"]["p95_ms"],
                    r["scroll"]["p50_ms"],
                    r["scroll"]["p95_ms"],
                    r["scroll_max_ms"],
                ]
                for r in results
            ],
        )
    )
    finish("grid_sections", info, {"results": results}, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
