from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.catalog import Catalog, Root


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "catalog.sqlite3") as cat:
        yield cat


@pytest.fixture
def root(catalog: Catalog) -> Root:
    return catalog.writer().add_root("/photos")
