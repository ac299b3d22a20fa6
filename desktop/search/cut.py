"""Where a ranked list stops being matches: the largest drop in the score curve.

A query's scores over a library form two populations — the photos that show what was asked, and the rest —
and between them the sorted curve drops more than anywhere inside either. The cut is at the largest drop
between neighbouring scores among the top ``window`` results. If it lands in the back half of the window, the
matches may go on past it, so the window doubles (up to ``MAX_WINDOW``) and the curve is read again.

Measured on shapes-tiny (``benchmarks/result_counts.py``): colour+shape queries P 0.98-0.99 / R 0.95-1.00.
Known weakness: inside a plateau of matches larger than the window (a query matching a third of the library),
the sparse top scores can hold the largest drop, and the cut comes too early. Tried and dropped: Otsu's
two-group split (it splits the non-matches, which have structure of their own: P 0.14 at 400 photos) and drops
scaled by their neighbours (worse at 3,000 photos). The rule has no per-model constant, so it applies to the
downloadable backbones unchanged, but it has not been checked on their real weights (this machine cannot
download them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

FIRST_WINDOW = 2048
MAX_WINDOW = 32_768
NEIGHBOURS = 8
RULE = "sharpest drop in the score curve"

Ranker = Callable[[int], list[tuple[int, float]]]


def gap_cut(scores: np.ndarray) -> int:
    """How many of ``scores`` (sorted best first) come before the largest drop; all of them if fewer than 2."""
    s = np.asarray(scores, dtype=np.float64)
    if len(s) < 2:
        return len(s)
    return int(np.argmax(s[:-1] - s[1:])) + 1


def cut_ranked(ranked: list[tuple[int, float]], pool: int, rank: Ranker) -> tuple[list[tuple[int, float]], int]:
    """``(ranked list long enough to hold the matches, number of matches)``.

    ``ranked`` is what was already ranked (best first); ``rank(n)`` ranks the top ``n`` of the ``pool``
    searchable photos when more are needed.
    """
    window = min(pool, max(FIRST_WINDOW, len(ranked)))
    while True:
        if len(ranked) < window:
            ranked = rank(window)
        n = gap_cut(np.array([s for _, s in ranked[:window]]))
        if n <= window // 2 or window >= min(pool, MAX_WINDOW):
            return ranked, n
        window = min(pool, MAX_WINDOW, window * 2)
