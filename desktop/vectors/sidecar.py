"""The small JSON file saved next to an index: what it holds, and a checksum to trust it by.

hnswlib's file says nothing about which model made the vectors, and a damaged file can load
without complaint, so an index is only used when its sidecar agrees with it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT = 1


def sidecar_path(index_path: Path) -> Path:
    return index_path.with_name(index_path.name + ".json")


@dataclass(frozen=True)
class Sidecar:
    model: str
    dim: int
    count: int  # live vectors
    size: int  # bytes of the index file
    crc32: int  # of the index file
    deleted: list[int] = field(default_factory=list)  # ids marked deleted in the file
    space: str = "ip"
    format: int = FORMAT

    def dumps(self) -> bytes:
        return json.dumps(asdict(self), indent=1).encode("utf-8")

    @classmethod
    def load(cls, path: Path) -> Sidecar:
        """Raises ValueError (or OSError) when the file is missing, unreadable or malformed."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"unknown sidecar format {data.get('format') if isinstance(data, dict) else data!r}")
        try:
            side = cls(
                model=str(data["model"]),
                dim=int(data["dim"]),
                count=int(data["count"]),
                size=int(data["size"]),
                crc32=int(data["crc32"]),
                deleted=[int(i) for i in data.get("deleted", [])],
                space=str(data.get("space", "ip")),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"sidecar lacks or garbles {exc}") from exc
        return side
