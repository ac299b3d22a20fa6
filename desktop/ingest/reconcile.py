"""Reconcile what is on disk with what the catalog knows, for one root.

The plan is computed without opening image contents: unchanged files (same size and mtime, with a vector
for the active model) are skipped; every other file is hashed cheaply so that renamed, moved and duplicate
files reuse the vectors they already have. Only genuinely new content is left for the encoder.
A root that cannot be listed (unplugged drive, unmounted share) is *offline*: nothing is deleted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop import log
from desktop.catalog import FAILED, INDEXED, OFFLINE, Catalog, ImageRow, Root
from desktop.ingest.hashing import quick_hash
from desktop.ingest.scan import FileEntry, root_available, scan_images

logger = log.get("ingest.reconcile")


@dataclass
class ToEncode:
    entry: FileEntry
    root_id: int
    hash: str


@dataclass
class Plan:
    root: Root
    offline: bool = False
    unchanged: int = 0
    restored: int = 0  # came back online with the same content
    moved: int = 0
    duplicates: int = 0
    deleted: int = 0
    failed: int = 0  # could not even be hashed / listed
    replaced: int = 0  # new content under a known name: old row dropped, new one to encode
    to_encode: list[ToEncode] = field(default_factory=list)


def _restore_state(row: ImageRow) -> str:
    return FAILED if row.error else INDEXED


def reconcile_root(
    catalog: Catalog,
    root: Root,
    model: str,
    *,
    excluded: Iterable[str] = (),
    model_ids: set[int] | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> Plan:
    """Apply cheap changes (moves, duplicates, deletions, metadata) and return what must be encoded."""
    writer = catalog.writer()
    plan = Plan(root)
    root_path = Path(root.path)
    if not root_available(root_path):
        with writer.batch():
            plan.offline = True
            plan.unchanged = writer.set_state_under(root.id, OFFLINE)
            writer.set_root_state(root.id, "offline")
        logger.warning("root %s is unavailable: its images are marked offline", root.path)
        return plan

    have_vec = model_ids if model_ids is not None else set(catalog.ids_with_vectors(model).tolist())
    known = catalog.images_under(root.id)
    candidates: list[tuple[FileEntry, ImageRow | None]] = []
    restore: list[ImageRow] = []
    try:
        entries = list(scan_images(root_path, excluded=list(excluded), on_error=on_error))
    except OSError as exc:  # the root vanished between the check and the listing
        logger.warning("root %s could not be listed (%s): marked offline", root.path, exc)
        with writer.batch():
            plan.offline = True
            writer.set_state_under(root.id, OFFLINE)
            writer.set_root_state(root.id, "offline")
        return plan

    for entry in entries:
        row = known.pop(entry.path, None)
        if row is not None and row.size == entry.size and row.mtime_ns == entry.mtime_ns:
            if row.state == FAILED or (row.state == INDEXED and row.id in have_vec):
                plan.unchanged += 1
                continue
            if row.state == OFFLINE and (row.error or catalog.vector(row.id, model) is not None):
                restore.append(row)
                continue
        candidates.append((entry, row))

    missing = {row.hash: row for row in known.values() if row.hash}
    gone = dict(known)  # path -> row; whatever is not claimed by a move is deleted
    with writer.batch():
        for row in restore:
            writer.upsert_image(
                row.path,
                root.id,
                row.size,
                row.mtime_ns,
                row.hash,
                row.width,
                row.height,
                row.taken_at,
                _restore_state(row),
                row.error,
            )
            plan.restored += 1
            if not row.error:
                have_vec.add(row.id)
        for entry, row in candidates:
            try:
                digest = quick_hash(entry.path)
            except OSError as exc:
                reason = f"unreadable: {exc.strerror or exc}"
                writer.mark_failed(entry.path, root.id, entry.size, entry.mtime_ns, reason)
                plan.failed += 1
                continue
            if row is not None and row.hash == digest and row.id in have_vec:
                # Touched but same content (e.g. mtime changed by a copy tool): keep the vector.
                writer.upsert_image(
                    entry.path,
                    root.id,
                    entry.size,
                    entry.mtime_ns,
                    digest,
                    row.width,
                    row.height,
                    row.taken_at,
                    INDEXED,
                )
                plan.unchanged += 1
                continue
            if row is not None and row.hash != digest:
                # New content under an old name gets a new id, so that an index is always exactly
                # "these ids" and can be brought up to date from the catalog by comparing ids alone.
                writer.delete_images([row.id])
                plan.replaced += 1
                row = None
            moved_from = missing.pop(digest, None) if row is None else None
            if moved_from is not None and moved_from.id in have_vec:
                writer.move_image(moved_from.id, entry.path, root.id, entry.size, entry.mtime_ns)
                gone.pop(moved_from.path, None)
                plan.moved += 1
                continue
            twin = _indexed_twin(catalog, digest, have_vec)
            if twin is not None:
                new_id = writer.upsert_image(
                    entry.path,
                    root.id,
                    entry.size,
                    entry.mtime_ns,
                    digest,
                    twin.width,
                    twin.height,
                    twin.taken_at,
                    INDEXED,
                )
                writer.copy_embeddings(twin.id, new_id)
                have_vec.add(new_id)
                plan.duplicates += 1
                continue
            plan.to_encode.append(ToEncode(entry, root.id, digest))
        if gone:
            writer.delete_images([row.id for row in gone.values()])
            plan.deleted = len(gone)
        writer.set_root_state(root.id, "ok")
    return plan


def _indexed_twin(catalog: Catalog, digest: str, have_vec: set[int]) -> ImageRow | None:
    for row in catalog.images_by_hash(digest):
        if row.state == INDEXED and row.id in have_vec and os.path.exists(row.path):
            return row
    return None
