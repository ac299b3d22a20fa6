"""Checking an hnswlib index file's structure without loading it.

hnswlib writes a fixed header, then ``count`` fixed-size level-0 records, then for each element a 4-byte
length and that many bytes of upper-level links. Walking those lengths says whether the file holds every
element and ends exactly where the last one does: a write cut short by a full disk cannot pass.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

#: Six size_t, an int, an unsigned int, three size_t, a double and a size_t (hnswalg.h, saveIndex).
HEADER_BYTES = 96
_COUNT_AT = 16  # cur_element_count, then size_data_per_element_


def check_hnsw_file(path: Path, expected_count: int) -> None:
    """Raise ValueError unless ``path`` is a complete hnswlib file of ``expected_count`` elements."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(HEADER_BYTES)
        if len(head) < HEADER_BYTES:
            raise ValueError(f"{size} bytes, not even a header")
        count, per_element = struct.unpack_from("<QQ", head, _COUNT_AT)
        if count != expected_count:
            raise ValueError(f"it holds {count} elements, not {expected_count}")
        f.seek(HEADER_BYTES + count * per_element)
        for _ in range(count):
            raw = f.read(4)
            if len(raw) < 4:
                raise ValueError(f"{size} bytes end inside the link lists")
            (links,) = struct.unpack("<I", raw)
            if links:
                f.seek(links, os.SEEK_CUR)
        end = f.tell()
    if end != size:
        raise ValueError(f"{size} bytes where the structure needs {end}")
