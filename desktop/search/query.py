"""Turn a text, a reference image, or both into one query vector, and rank the index with it.

Composed queries go through the model's Combiner when it has one (CLIP4Cir); otherwise, or when asked with
``compose="sum"``, through the normalised sum of image and text features, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop.compose.inference import QueryCombiner
from desktop.models.encoder import normalize

COMPOSE_MODES = ("auto", "combiner", "sum")


@dataclass(frozen=True)
class Hit:
    image_id: int
    path: str
    score: float


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    mode: str  # "text" | "image" | "combiner" | "sum"
    note: str | None = None

    def to_json(self) -> list[dict[str, object]]:
        return [{"path": h.path, "score": round(h.score, 6)} for h in self.hits]


@dataclass(frozen=True)
class QueryVector:
    vector: np.ndarray  # normalised
    mode: str
    note: str | None = None


def compose_vector(
    image_raw: np.ndarray, text_raw: np.ndarray, combiner: QueryCombiner | None, compose: str, model_name: str
) -> QueryVector:
    """The composed query vector and how it was made."""
    if compose not in COMPOSE_MODES:
        raise ValueError(f"compose must be one of {COMPOSE_MODES}")
    if compose != "sum" and combiner is not None:
        from desktop.compose.inference import compose_query

        vec = compose_query(combiner, image_raw, text_raw)
        return QueryVector(normalize(vec.reshape(-1)), "combiner")
    from desktop.compose.inference import sum_query

    note = None
    if compose != "sum":
        note = f"no Combiner weights for {model_name}: used the normalised-sum baseline"
    return QueryVector(normalize(sum_query(image_raw, text_raw).reshape(-1)), "sum", note)
