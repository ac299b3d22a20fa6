"""Honest result counts: a list ends where the matches end, and says how many there are."""

from __future__ import annotations

import numpy as np

from desktop.search.cut import cut_ranked, gap_cut
from desktop.search.engine import SearchRequest
from desktop.search.terms import parse_terms
from desktop.shapes.world import COLOURS, SHAPES


def test_the_cut_falls_at_the_drop_between_two_groups() -> None:
    rng = np.random.default_rng(0)
    scores = np.sort(np.concatenate([0.5 + 0.01 * rng.random(37), 0.3 + 0.05 * rng.random(900)]))[::-1]
    assert gap_cut(scores) == 37
    ranked = [(i, float(s)) for i, s in enumerate(scores)]
    _, n = cut_ranked(ranked[:10], len(ranked), lambda k: ranked[:k])
    assert n == 37


def test_colour_and_shape_matches_are_the_photos_that_show_them(shapes_gallery) -> None:
    _, lib, scenes = shapes_gallery
    precision, recall = [], []
    for colour in COLOURS:
        for shape in SHAPES:
            truth = {p for p, s in scenes.items() if any(o.colour == colour and o.shape == shape for o in s.objects)}
            if not truth:
                continue
            found = lib.find(SearchRequest(tuple(parse_terms(f"a {colour} {shape}")), k=1000))
            got = {h.path for h in found.hits}
            assert found.matches == len(found.hits), "every match is listed when k allows"
            precision.append(len(got & truth) / max(1, len(got)))
            recall.append(len(got & truth) / len(truth))
    assert len(precision) >= 20
    assert np.mean(precision) >= 0.9 and np.mean(recall) >= 0.8, (np.mean(precision), np.mean(recall))


def test_all_ranks_every_photo_and_k_pages_the_matches(shapes_gallery) -> None:
    _, lib, scenes = shapes_gallery
    terms = tuple(parse_terms("a yellow star"))
    everything = lib.find(SearchRequest(terms, k=10_000, all=True))
    assert len(everything.hits) == everything.matches == len(scenes)
    cut = lib.find(SearchRequest(terms, k=10_000))
    assert 0 < cut.matches < len(scenes)
    page = lib.find(SearchRequest(terms, k=3, offset=2))
    assert page.matches == cut.matches
    assert [h.path for h in page.hits] == [h.path for h in cut.hits[2:5]]


def test_weaker_returns_the_rest_after_the_matches_in_the_same_order(shapes_gallery) -> None:
    """The app lists the matches, a divider, then the weaker photos: the same ranking, not cut."""
    _, lib, scenes = shapes_gallery
    terms = tuple(parse_terms("a yellow star"))
    cut = lib.find(SearchRequest(terms, k=10_000))
    everything = lib.find(SearchRequest(terms, k=10_000, all=True))
    weaker = lib.find(SearchRequest(terms, k=10_000, weaker=True))
    assert weaker.matches == cut.matches < len(weaker.hits) == len(scenes)
    assert [h.path for h in weaker.hits] == [h.path for h in everything.hits]
    assert [h.path for h in weaker.hits[: weaker.matches]] == [h.path for h in cut.hits]
    page = lib.find(SearchRequest(terms, k=5, offset=cut.matches - 2, weaker=True))
    assert [h.path for h in page.hits] == [h.path for h in everything.hits[cut.matches - 2 : cut.matches + 3]]
