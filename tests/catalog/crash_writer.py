"""Child process for the durability test: writes batches to a catalog until it is killed.

Each batch adds ``PER_BATCH`` indexed images with their embeddings and bumps the ``batches``
setting, so a consistent catalog always holds exactly ``batches * PER_BATCH`` images.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from desktop.catalog import INDEXED, Catalog

PER_BATCH = 40
DIM = 512
MODEL = "crash-test"


def main(path: Path) -> None:
    catalog = Catalog.open(path)
    writer = catalog.writer()
    root = writer.add_root("/photos")
    rng = np.random.default_rng()
    announced = False
    while True:
        done = int(catalog.get_setting("batches") or 0)
        with writer.batch():
            for j in range(PER_BATCH):
                n = done * PER_BATCH + j
                image_id = writer.upsert_image(f"/photos/{n:07d}.jpg", root.id, n, n, f"h{n}", 10, 10, None, INDEXED)
                writer.set_embedding(image_id, MODEL, rng.standard_normal(DIM).astype(np.float32))
            writer.set_setting("batches", str(done + 1))
        if not announced:
            print("ready", flush=True)
            announced = True


if __name__ == "__main__":
    main(Path(sys.argv[1]))
