"""Decode → preprocess → encode → commit, with the model kept busy.

Worker threads decode and preprocess (JPEG draft mode, TargetPad) into a bounded read-ahead window; the
calling thread only runs the model and commits each batch in one catalog transaction, then adds the
vectors to the index. A bad file is recorded as failed with its reason and indexing goes on. Cancelling
(an Event, or Ctrl-C) stops between batches: what was committed stays, the rest is picked up next run.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from desktop import log
from desktop.catalog import INDEXED, Catalog
from desktop.catalog.derived import kind_from_format
from desktop.errors import ImageError
from desktop.ingest.decode import decode_image
from desktop.ingest.reconcile import ToEncode
from desktop.models.encoder import Encoder
from desktop.vectors import VectorIndex

logger = log.get("ingest.pipeline")


@dataclass
class Prepared:
    item: ToEncode
    pixels: np.ndarray | None = None
    width: int = 0
    height: int = 0
    taken_at: str | None = None
    error: str | None = None
    kind: str | None = None
    note: str | None = None  # read, but with a warning (corrupt EXIF): kept in the catalog's note


@dataclass
class EncodeStats:
    indexed: int = 0
    failed: int = 0
    cancelled: bool = False


def _prepare(item: ToEncode, encoder: Encoder) -> Prepared:
    try:
        decoded = decode_image(item.entry.path, target_size=encoder.preprocess.size)
        pixels = encoder.preprocess(decoded.image)
        decoded.image.close()
        return Prepared(
            item,
            pixels,
            decoded.width,
            decoded.height,
            decoded.taken_at,
            kind=kind_from_format(decoded.format),
            note=decoded.note,
        )
    except ImageError as exc:
        return Prepared(item, error=exc.message)
    except Exception as exc:  # a bug or an exotic failure must not stop the library
        logger.exception("unexpected failure preparing %s", item.entry.path)
        return Prepared(item, error=f"unexpected error: {type(exc).__name__}")


def prepared_stream(items: Sequence[ToEncode], encoder: Encoder, *, workers: int, readahead: int) -> Iterator[Prepared]:
    """Yield prepared items in order, decoding up to ``readahead`` ahead on ``workers`` threads."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reframe-decode") as pool:
        window: deque[Future[Prepared]] = deque()
        it = iter(items)
        try:
            for item in it:
                window.append(pool.submit(_prepare, item, encoder))
                if len(window) >= readahead:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for f in window:
                f.cancel()


def encode_items(
    items: Sequence[ToEncode],
    *,
    catalog: Catalog,
    encoder: Encoder,
    index: VectorIndex,
    batch_size: int,
    workers: int = 2,
    on_batch: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> EncodeStats:
    """Encode ``items`` in batches; each batch is committed atomically and then added to the index."""
    stats = EncodeStats()
    writer = catalog.writer()
    batch: list[Prepared] = []

    def flush() -> None:
        good = [p for p in batch if p.pixels is not None]
        bad = [p for p in batch if p.pixels is None]
        vecs = encoder.encode_images(np.stack([p.pixels for p in good if p.pixels is not None])) if good else None
        ids: list[int] = []
        with writer.batch():
            for p in bad:
                e = p.item.entry
                writer.mark_failed(e.path, p.item.root_id, e.size, e.mtime_ns, p.error or "unreadable")
            for p in good:
                e = p.item.entry
                ids.append(
                    writer.upsert_image(
                        e.path,
                        p.item.root_id,
                        e.size,
                        e.mtime_ns,
                        p.item.hash,
                        p.width,
                        p.height,
                        p.taken_at,
                        INDEXED,
                        kind=p.kind,
                        note=p.note,
                    )
                )
            if vecs is not None:
                writer.set_embeddings(ids, encoder.name, vecs)
        if vecs is not None:
            index.add(np.asarray(ids, dtype=np.int64), vecs)
        stats.indexed += len(good)
        stats.failed += len(bad)
        if on_batch:
            on_batch(len(batch))
        batch.clear()

    readahead = max(batch_size * 2, 16)
    for prepared in prepared_stream(items, encoder, workers=workers, readahead=readahead):
        if prepared.error is not None:
            logger.info("skipping %s: %s", prepared.item.entry.path, prepared.error)
        elif prepared.note is not None:
            logger.info("indexed %s despite: %s", prepared.item.entry.path, prepared.note)
        batch.append(prepared)
        if len(batch) >= batch_size:
            flush()
            if cancel is not None and cancel.is_set():
                stats.cancelled = True
                return stats
    if batch:
        flush()
    return stats


class RateMeter:
    """Images per second over the whole run, and an ETA for the rest."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.start = time.perf_counter()

    def add(self, n: int) -> None:
        self.done += n

    @property
    def rate(self) -> float:
        dt = time.perf_counter() - self.start
        return self.done / dt if dt > 0 else 0.0

    @property
    def eta(self) -> float | None:
        r = self.rate
        return (self.total - self.done) / r if r > 0 else None
