"""Approximate nearest-neighbour search over catalog vectors: one hnswlib index per model."""

from desktop.vectors.exact import exact_search
from desktop.vectors.index import VectorIndex

__all__ = ["VectorIndex", "exact_search"]
