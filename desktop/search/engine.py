"""One search request, end to end: terms and/or an image, filters, paging, and where the matches end.

``Library.find`` calls :func:`run`. With no term and no image it browses: the photos that pass the filters,
newest capture first. Otherwise the query vector is built from the terms (``desktop.search.terms``), the
index is searched (only the filtered subset when there are filters, ``desktop.search.filtered``), and the
ranked list is cut where the matches end (``desktop.search.cut``) unless ``all`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from desktop.catalog import queries
from desktop.catalog.queries import PhotoFacts
from desktop.errors import UsageError
from desktop.models.encoder import normalize
from desktop.search.cut import FIRST_WINDOW, Ranker, cut_ranked
from desktop.search.cut import RULE as CUT_RULE
from desktop.search.filtered import EXACT_MAX, contains, search_subset
from desktop.search.filters import Filters
from desktop.search.query import QueryVector, compose_vector
from desktop.search.terms import Term
from desktop.search.vector_cache import cache_for

if TYPE_CHECKING:
    from desktop.library import Library


@dataclass(frozen=True)
class SearchRequest:
    terms: tuple[Term, ...] = ()
    image: str | Path | None = None
    compose: str = "auto"
    k: int = 10
    offset: int = 0
    filters: Filters = field(default_factory=Filters)
    #: Rank everything that passes the filters instead of stopping where the matches end.
    all: bool = False
    #: Also return the ranked photos after the cut, up to ``k`` (``matches`` still says where the matches end):
    #: the app shows them below a "weaker matches" divider.
    weaker: bool = False
    exclude_ids: frozenset[int] = frozenset()

    @property
    def browsing(self) -> bool:
        return not self.terms and self.image is None


@dataclass(frozen=True)
class FoundHit:
    facts: PhotoFacts
    score: float | None  # None when browsing

    @property
    def image_id(self) -> int:
        return self.facts.id

    @property
    def path(self) -> str:
        return self.facts.path

    def to_json(self) -> dict[str, object]:
        score = None if self.score is None else round(self.score, 6)
        return {
            "path": self.facts.path,
            "score": score,
            **{k: v for k, v in self.facts.to_json().items() if k != "path"},
        }


@dataclass(frozen=True)
class Found:
    hits: list[FoundHit]
    mode: str  # "browse" | "text" | "image" | "combiner" | "sum"
    #: How many photos match: for a search, where the ranked list was cut; for browsing, all that pass.
    matches: int | None
    note: str | None = None
    terms: tuple[Term, ...] = ()
    filters: Filters = field(default_factory=Filters)
    #: What the cut was based on (None when ranking everything or browsing).
    cut: str | None = None
    #: A text was longer than the model reads and was cut (the note says which).
    truncated: bool = False

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "mode": self.mode,
            "matches": self.matches,
            "results": [h.to_json() for h in self.hits],
        }
        if self.terms:
            out["terms"] = [t.to_json() for t in self.terms]
        if self.filters.active:
            out["filters"] = self.filters.to_json()
        if self.cut:
            out["cut"] = self.cut
        if self.truncated:
            out["truncated"] = True
        if self.note:
            out["note"] = self.note
        return out


def query_vector(
    lib: Library, terms: tuple[Term, ...], image: str | Path | None, compose: str
) -> tuple[QueryVector, set[int]]:
    """``Σ w·unit(positive) − Σ w·unit(negative)`` (positives composed with the image when there is one)."""
    positives = [t for t in terms if not t.negative]
    negatives = [t for t in terms if t.negative]
    if not positives and image is None:
        raise UsageError("negative terms need a positive term or an image", hint="e.g. --text 'a dog' --not 'grass'")
    encoder = lib.load_model() if terms else None
    texts = encoder.encode_texts([t.text for t in terms]) if encoder is not None else np.empty((0, 0), np.float32)
    raw = dict(zip(terms, texts, strict=True)) if terms else {}
    exclude: set[int] = set()
    parts: list[np.ndarray] = []
    mode, note = "text", None
    if image is None:
        parts = [t.weight * normalize(raw[t]) for t in positives]
    else:
        img_raw, exclude = lib._image_query(image)
        if not positives:
            parts, mode = [normalize(img_raw)], "image"
        for t in positives:
            qv = compose_vector(img_raw, raw[t], lib.combiner(), compose, lib.model_name)
            parts.append(t.weight * qv.vector)
            mode, note = qv.mode, qv.note
    vec = np.sum(parts, axis=0) - sum((t.weight * normalize(raw[t]) for t in negatives), np.zeros_like(parts[0]))
    cut, context = _truncated(encoder, terms)
    if cut:
        shown = "; ".join(repr(c[:60] + ("…" if len(c) > 60 else "")) for c in cut)
        said = f"the model reads the first {context} tokens of a text; cut: {shown}"
        note = f"{note}; {said}" if note else said
    return QueryVector(normalize(vec), mode, note, cut), exclude


def _truncated(encoder: object | None, terms: tuple[Term, ...]) -> tuple[tuple[str, ...], int]:
    """The terms the model's tokenizer cuts to its context length (CLIP reads 77 tokens, shapes-tiny 24)."""
    tokenizer = getattr(encoder, "tokenizer", None)
    if tokenizer is None or not terms:
        return (), 0
    cut = tokenizer.encode([t.text for t in terms]).truncated
    return tuple(t.text for t, c in zip(terms, cut, strict=True) if c), tokenizer.context_length


def run(lib: Library, req: SearchRequest) -> Found:
    if req.k < 1:
        raise UsageError("k must be at least 1")
    if req.offset < 0:
        raise UsageError("offset must not be negative")
    if req.browsing:
        total = queries.count(lib.catalog, req.filters)
        page = queries.browse(lib.catalog, req.filters, req.k, req.offset)
        return Found([FoundHit(f, None) for f in page], "browse", total, filters=req.filters)
    qv, exclude = query_vector(lib, req.terms, req.image, req.compose)
    return search_vector(lib, qv, req, exclude)


def search_vector(lib: Library, qv: QueryVector, req: SearchRequest, exclude: set[int] | None = None) -> Found:
    """The part of :func:`run` after the query is encoded (benchmarks time this on its own)."""
    exclude = set(exclude or ()) | set(req.exclude_ids)
    index = lib.vector_index
    allowed = queries.filtered_ids(lib.catalog, req.filters) if req.filters.active else None
    everyone = len(index) - sum(1 for i in exclude if i in index)  # the whole library's searchable photos
    if allowed is None:
        pool = everyone
    else:
        pool = len(allowed) - int(np.isin(allowed, list(exclude)).sum()) if exclude else len(allowed)
    # --all ranks everything but only the page is needed: every photo in the pool is a "match".
    want = min(pool, req.offset + req.k)
    rank = _ranker(lib, qv.vector, allowed, exclude)
    matches: int | None = None
    cut: str | None = None
    if req.all:
        found = rank(want)
    else:
        if allowed is None:
            # The cut reads the top of the curve anyway: rank that much at once rather than the page first.
            found, matches = cut_ranked(rank(min(pool, max(want, FIRST_WINDOW))), pool, rank)
        else:
            found, matches = _filtered_matches(lib, qv.vector, allowed, exclude, rank, everyone)
        cut = CUT_RULE
        if not req.weaker:
            found = found[:matches]
        elif len(found) < want:
            found = rank(want)
    page = found[req.offset : req.offset + req.k]
    info = queries.facts(lib.catalog, [i for i, _ in page])
    hits = [FoundHit(info[i], s) for i, s in page if i in info]
    if req.all:
        matches = pool
    return Found(hits, qv.mode, matches, qv.note, req.terms, req.filters, cut, truncated=bool(qv.truncated))


def _filtered_matches(
    lib: Library, vec: np.ndarray, allowed: np.ndarray, exclude: set[int], rank: Ranker, everyone: int
) -> tuple[list[tuple[int, float]], int]:
    """``(ranked filtered photos, how many are matches)``.

    A filter picks among the matches; it does not decide what a match is. So where the matches end is read on
    the whole library's score curve (more photos, a surer drop), and the filtered matches are the filtered
    photos above that drop: counts under disjoint filters add up to the library's, and a 5 % filter at a
    million photos costs one graph search of the library's top instead of an exact pass over 50,000 vectors.
    ``everyone``: the library's searchable photos, ``exclude`` aside.
    """
    whole = _ranker(lib, vec, None, exclude)
    ranked, n = cut_ranked(whole(min(everyone, FIRST_WINDOW)), everyone, whole)
    if len(allowed) <= EXACT_MAX:  # scored exactly, once: count those above the middle of the drop
        found = rank(len(allowed))
        if n >= len(ranked):
            return found, len(found)
        bar = (ranked[n - 1][1] + ranked[n][1]) / 2 if n > 0 else float("inf")
        return found, sum(1 for _, s in found if s > bar)
    top = ranked[:n]
    inside = contains(allowed, [i for i, _ in top])
    found = [h for h, keep in zip(top, inside, strict=True) if keep]
    return found, len(found)


def _ranker(lib: Library, vec: np.ndarray, allowed: np.ndarray | None, exclude: set[int]) -> Ranker:
    """``rank(n)``: the ``n`` best of the searchable photos (``allowed`` when filtered), best first.

    A subset small enough to be searched exactly is scored once, in full, and later calls (the cut asks for
    longer and longer prefixes) slice that ranking instead of scoring the subset again."""
    index = lib.vector_index
    if allowed is None:
        return lambda n: index.search(vec, n, exclude=exclude or None) if n > 0 else []
    score = cache_for(lib).scores
    if len(allowed) > EXACT_MAX:
        return lambda n: search_subset(index, vec, n, allowed, exclude=exclude, score=score) if n > 0 else []
    ranked: list[tuple[int, float]] = []

    def rank(n: int) -> list[tuple[int, float]]:
        if n > 0 and not ranked:
            ranked.extend(
                search_subset(index, vec, len(allowed), allowed, exclude=exclude, strategy="exact", score=score)
            )
        return ranked[:n]

    return rank
