"""Reconcile what is on disk with what the catalog knows, for one root.

The plan is computed without opening image contents: unchanged files (same size and mtime, with a vector
for the active model) are skipped; every other file is hashed cheaply so that renamed, moved and duplicate
files reuse the vectors they already have. Only genuinely new content is left for the encoder.

Nothing is deleted that might only be out of sight: a root that cannot be listed is *offline* (unplugged)
or *denied* (no permission), and a subfolder or file under it that cannot be read keeps its rows as
*unreachable*, with the reason. Only files that are really gone from a readable folder are deleted.

Hashing happens outside any write transaction (it reads files, which can be slow on a network share), and
the results are committed in chunks, so the app's other writes and a Pause never wait for a whole folder.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop import log
from desktop.catalog import (
    FAILED,
    INDEXED,
    OFFLINE,
    ROOT_DENIED,
    ROOT_OFFLINE,
    ROOT_OK,
    UNREACHABLE,
    Catalog,
    CatalogWriter,
    ImageRow,
    Root,
)
from desktop.ingest.hashing import quick_hash
from desktop.ingest.scan import PERMISSION_DENIED, FileEntry, root_problem, scan_images

logger = log.get("ingest.reconcile")

#: Files applied per write transaction: small enough that a writer waiting behind it is not noticed.
APPLY_CHUNK = 500


@dataclass
class ToEncode:
    entry: FileEntry
    root_id: int
    hash: str


@dataclass
class Plan:
    root: Root
    away: str | None = None  # the root cannot be listed: "offline" or "denied"
    away_reason: str | None = None
    kept_away: int = 0  # images of an away root, kept
    unchanged: int = 0
    restored: int = 0  # came back with the same content
    moved: int = 0
    duplicates: int = 0
    deleted: int = 0
    failed: int = 0  # could not be hashed
    unreachable: int = 0  # under a folder or file that cannot be read now: kept, not searchable
    replaced: int = 0  # new content under a known name: old row dropped, new one to encode
    cancelled: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, reason) the walk could not read
    to_encode: list[ToEncode] = field(default_factory=list)

    @property
    def offline(self) -> bool:
        return self.away is not None

    @property
    def changed_ids(self) -> bool:
        """Whether the set of searchable ids may have changed (the vector index needs a sync)."""
        counts = (self.duplicates, self.deleted, self.replaced, self.restored, self.failed, self.unreachable)
        return self.away is not None or any(counts)


@dataclass
class _Hashed:
    entry: FileEntry
    row: ImageRow | None
    digest: str | None
    error: OSError | None = None


def reconcile_root(
    catalog: Catalog,
    root: Root,
    model: str,
    *,
    excluded: Iterable[str] = (),
    model_ids: set[int] | None = None,
    on_error: Callable[[str, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Plan:
    """Apply cheap changes (moves, duplicates, deletions, metadata) and return what must be encoded."""
    writer = catalog.writer()
    plan = Plan(root)
    root_path = Path(root.path)
    problem = root_problem(root_path)
    if problem is not None:
        mark_root_away(writer, plan, problem)
        return plan

    def record(path: str, reason: str) -> None:
        plan.problems.append((path, reason))
        logger.warning("cannot read %s (%s): its images are kept", path, reason)
        if on_error is not None:
            on_error(path, reason)

    try:
        entries = list(scan_images(root_path, excluded=list(excluded), on_error=record))
    except OSError as exc:  # the root vanished between the check and the listing
        mark_root_away(writer, plan, PERMISSION_DENIED if isinstance(exc, PermissionError) else "not reachable")
        return plan

    have_vec = model_ids if model_ids is not None else set(catalog.ids_with_vectors(model).tolist())
    known = catalog.images_under(root.id)
    candidates, restore = _compare(catalog, model, entries, known, have_vec, plan)
    # Rows not seen on disk: under a folder or file the walk could not read, they are kept.
    hidden = _under_problems(known, plan.problems, root.path)
    hidden_ids = {i for ids in hidden.values() for i in ids}
    with writer.batch():
        for reason, ids in hidden.items():
            writer.mark_unreachable(ids, reason)
        _restore(writer, restore, have_vec, plan)
    plan.unreachable += len(hidden_ids)
    have_vec -= hidden_ids
    known = {path: row for path, row in known.items() if row.id not in hidden_ids}

    hashed = _hash(candidates, cancel)
    plan.cancelled = len(hashed) < len(candidates)
    missing = {row.hash: row for row in known.values() if row.hash}
    gone = dict(known)  # path -> row; whatever is not claimed by a move is deleted
    for start in range(0, len(hashed), APPLY_CHUNK):
        with writer.batch():
            for item in hashed[start : start + APPLY_CHUNK]:
                _apply(catalog, writer, item, root.id, have_vec, missing, gone, plan)
    if plan.cancelled:
        # Files not hashed yet may be where a "gone" row moved to: delete nothing until a full pass.
        return plan
    with writer.batch():
        if gone:
            writer.delete_images([row.id for row in gone.values()])
            plan.deleted = len(gone)
        writer.set_root_state(root.id, ROOT_OK)
    return plan


def mark_root_away(writer: CatalogWriter, plan: Plan, reason: str) -> None:
    """A root that cannot be listed keeps every image: offline when unplugged, unreachable when denied."""
    denied = reason == PERMISSION_DENIED
    state, image_state = (ROOT_DENIED, UNREACHABLE) if denied else (ROOT_OFFLINE, OFFLINE)
    with writer.batch():
        writer.set_state_under(plan.root.id, image_state, note=reason if denied else None)
        writer.set_root_state(plan.root.id, state)
    plan.away, plan.away_reason = state, reason
    plan.kept_away = writer.count_under(plan.root.id)
    logger.warning("root %s: %s; its images are kept and marked %s", plan.root.path, reason, image_state)


def _compare(
    catalog: Catalog,
    model: str,
    entries: list[FileEntry],
    known: dict[str, ImageRow],
    have_vec: set[int],
    plan: Plan,
) -> tuple[list[tuple[FileEntry, ImageRow | None]], list[ImageRow]]:
    """Split the files found into unchanged (counted), to restore, and candidates to hash.

    Every row seen on disk is taken out of ``known``; what is left there was not found.
    """
    candidates: list[tuple[FileEntry, ImageRow | None]] = []
    restore: list[ImageRow] = []
    for entry in entries:
        row = known.pop(entry.path, None)
        if row is not None and row.size == entry.size and row.mtime_ns == entry.mtime_ns:
            if row.state == FAILED or (row.state == INDEXED and row.id in have_vec):
                plan.unchanged += 1
                continue
            if row.state in (OFFLINE, UNREACHABLE) and (row.error or catalog.vector(row.id, model) is not None):
                restore.append(row)
                continue
        candidates.append((entry, row))
    return candidates, restore


def _under_problems(known: dict[str, ImageRow], problems: list[tuple[str, str]], root: str) -> dict[str, list[int]]:
    """Ids of the unseen rows that lie at or under a path the walk could not read, by reason."""
    if not problems:
        return {}
    reasons = {os.path.normcase(path): reason for path, reason in problems}
    top = os.path.normcase(root)
    out: dict[str, list[int]] = {}
    for row in known.values():
        path = os.path.normcase(row.path)
        while True:  # the row's own path, then each folder above it up to the root
            reason = reasons.get(path)
            if reason is not None:
                out.setdefault(reason, []).append(row.id)
                break
            parent = os.path.dirname(path)
            if path == top or parent == path or len(parent) < len(top):
                break
            path = parent
    return out


def _restore(writer: CatalogWriter, rows: list[ImageRow], have_vec: set[int], plan: Plan) -> None:
    for row in rows:
        writer.upsert_image(
            row.path,
            row.root_id,
            row.size,
            row.mtime_ns,
            row.hash,
            row.width,
            row.height,
            row.taken_at,
            FAILED if row.error else INDEXED,
            row.error,
            note=row.note if row.state == OFFLINE else None,  # an unreachable row's note said why
        )
        plan.restored += 1
        if not row.error:
            have_vec.add(row.id)


def _hash(candidates: list[tuple[FileEntry, ImageRow | None]], cancel: threading.Event | None) -> list[_Hashed]:
    """Fingerprint each candidate; stop early (returning fewer) when ``cancel`` is set."""
    out: list[_Hashed] = []
    for entry, row in candidates:
        if cancel is not None and cancel.is_set():
            break
        try:
            out.append(_Hashed(entry, row, quick_hash(entry.path)))
        except OSError as exc:
            out.append(_Hashed(entry, row, None, exc))
    return out


def _apply(
    catalog: Catalog,
    writer: CatalogWriter,
    item: _Hashed,
    root_id: int,
    have_vec: set[int],
    missing: dict[str, ImageRow],
    gone: dict[str, ImageRow],
    plan: Plan,
) -> None:
    """Record one hashed candidate: kept, moved, duplicate, or left to encode."""
    entry, row, digest = item.entry, item.row, item.digest
    if digest is None:
        _unreadable(writer, item, root_id, have_vec, plan)
        return
    if row is not None and row.hash == digest and row.id in have_vec:
        # Touched but same content (e.g. mtime changed by a copy tool): keep the vector.
        writer.upsert_image(
            entry.path, root_id, entry.size, entry.mtime_ns, digest, row.width, row.height, row.taken_at, INDEXED,
            note=row.note,
        )  # fmt: skip
        plan.unchanged += 1
        return
    if row is not None and row.hash != digest:
        # New content under an old name gets a new id, so that an index is always exactly
        # "these ids" and can be brought up to date from the catalog by comparing ids alone.
        writer.delete_images([row.id])
        plan.replaced += 1
        row = None
    moved_from = missing.pop(digest, None) if row is None else None
    if moved_from is not None and moved_from.id in have_vec:
        writer.move_image(moved_from.id, entry.path, root_id, entry.size, entry.mtime_ns)
        gone.pop(moved_from.path, None)
        plan.moved += 1
        return
    twin = _indexed_twin(catalog, digest, have_vec)
    if twin is not None:
        new_id = writer.upsert_image(
            entry.path, root_id, entry.size, entry.mtime_ns, digest, twin.width, twin.height, twin.taken_at, INDEXED
        )
        writer.copy_embeddings(twin.id, new_id)
        have_vec.add(new_id)
        plan.duplicates += 1
        return
    plan.to_encode.append(ToEncode(entry, root_id, digest))


def _unreadable(writer: CatalogWriter, item: _Hashed, root_id: int, have_vec: set[int], plan: Plan) -> None:
    """A file that is listed but cannot be opened: kept as unreachable (it is retried on the next scan)."""
    assert item.error is not None
    reason = (item.error.strerror or str(item.error) or type(item.error).__name__).lower()
    plan.problems.append((item.entry.path, reason))
    logger.warning("cannot read %s (%s): kept as unreachable", item.entry.path, reason)
    if item.row is not None:
        plan.unreachable += writer.mark_unreachable([item.row.id], reason)
        have_vec.discard(item.row.id)
        return
    e = item.entry
    writer.upsert_image(e.path, root_id, e.size, e.mtime_ns, None, None, None, None, UNREACHABLE, note=reason)
    plan.unreachable += 1


def _indexed_twin(catalog: Catalog, digest: str, have_vec: set[int]) -> ImageRow | None:
    for row in catalog.images_by_hash(digest):
        if row.state == INDEXED and row.id in have_vec and os.path.exists(row.path):
            return row
    return None
