"""The SQLite catalog: roots, images, their states and embeddings. The library's source of truth."""

from desktop.catalog.rows import (
    FAILED,
    IMAGE_STATES,
    INDEXED,
    OFFLINE,
    PENDING,
    ROOT_DENIED,
    ROOT_MISSING,
    ROOT_OFFLINE,
    ROOT_OK,
    ROOT_STATES,
    UNREACHABLE,
    ImageRow,
    Root,
)
from desktop.catalog.store import Catalog
from desktop.catalog.writer import CatalogWriter

__all__ = [
    "FAILED",
    "IMAGE_STATES",
    "INDEXED",
    "OFFLINE",
    "PENDING",
    "ROOT_DENIED",
    "ROOT_MISSING",
    "ROOT_OFFLINE",
    "ROOT_OK",
    "ROOT_STATES",
    "UNREACHABLE",
    "Catalog",
    "CatalogWriter",
    "ImageRow",
    "Root",
]
