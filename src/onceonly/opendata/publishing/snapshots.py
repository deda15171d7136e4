"""Pull a dataset's rows from its source into a new generation, then swap readers over.

A refresh runs in three short transactions around the long pull: claim a generation
(and record a running snapshot), stream the rows into the store, then point the
dataset at the finished generation. A failed pull leaves readers on the old one.
`refresh_in_session` does the same inside a caller's transaction (the demo seed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog.models import Resource
from onceonly.core.actors import Actor
from onceonly.core.db import Database, utcnow
from onceonly.core.settings import Settings
from onceonly.opendata.models import Dataset, Snapshot, SnapshotStatus
from onceonly.opendata.publishing import source, store
from onceonly.opendata.service import get_dataset, next_refresh

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SnapshotResult:
    code: str
    generation: int
    rows: int
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class Pulled:
    rows: int
    size: int


def _claim(session: Session, dataset: Dataset, by: Actor) -> Snapshot:
    """Record a running snapshot under the next generation number."""
    # Orphaned runs (a crash) are closed first so the history stays truthful.
    session.execute(
        update(Snapshot)
        .where(Snapshot.dataset_id == dataset.id, Snapshot.status == SnapshotStatus.RUNNING)
        .values(status=SnapshotStatus.FAILED, error="interrupted", finished_at=utcnow())
    )
    last = session.scalar(
        select(Snapshot.generation)
        .where(Snapshot.dataset_id == dataset.id)
        .order_by(Snapshot.generation.desc())
        .limit(1)
    )
    snapshot = Snapshot(
        dataset_id=dataset.id,
        generation=max(last or 0, dataset.generation) + 1,
        status=SnapshotStatus.RUNNING,
        triggered_by=by.label or by.ref(),
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def _pull(
    resource: Resource, settings: Settings, generation: int, progress: Progress | None
) -> Pulled:
    """Stream every row into a new generation on disk; raises if the source fails."""
    columns = [store.Column(f.name, f.type) for f in resource.fields]
    fields = [c.name for c in columns]
    writer = store.Writer(settings.data_dir, resource.code, generation, columns)
    try:
        for batch in source.iter_rows(resource, settings, fields):
            writer.add(batch)
            if progress is not None:
                progress(len(batch))
        meta = {"code": resource.code, "generation": generation, "fields": fields}
        return Pulled(writer.rows, writer.finish(meta))
    except BaseException:
        writer.abort()
        raise


def _swap(session: Session, dataset: Dataset, snapshot: Snapshot, pulled: Pulled, by: Actor) -> int:
    """Point readers at the new generation; returns the previous one."""
    now = utcnow()
    previous = dataset.generation
    dataset.generation = snapshot.generation
    dataset.row_count = pulled.rows
    dataset.byte_size = pulled.size
    dataset.last_updated = now
    dataset.last_error = ""
    dataset.next_refresh_at = next_refresh(dataset.resource.update_frequency, now)
    snapshot.status = SnapshotStatus.DONE
    snapshot.row_count = pulled.rows
    snapshot.finished_at = now
    audit.record(
        session,
        audit.Event(
            "opendata.snapshot.taken",
            by,
            "dataset",
            dataset.resource.code,
            detail={"generation": snapshot.generation, "rows": pulled.rows},
        ),
    )
    return previous


def _fail(session: Session, dataset: Dataset, snapshot: Snapshot, error: str, by: Actor) -> None:
    snapshot.status = SnapshotStatus.FAILED
    snapshot.error = error[:2000]
    snapshot.finished_at = utcnow()
    dataset.last_error = error[:2000]
    audit.record(
        session,
        audit.Event(
            "opendata.snapshot.failed",
            by,
            "dataset",
            dataset.resource.code,
            detail={"error": error[:300]},
        ),
    )


def _message(exc: BaseException) -> str:
    return str(getattr(exc, "detail", None) or exc) or type(exc).__name__


def refresh(
    db: Database, settings: Settings, code: str, by: Actor, *, progress: Progress | None = None
) -> SnapshotResult:
    """Take a new snapshot of dataset `code` now."""
    with db.session() as session:
        dataset = get_dataset(session, code)
        snapshot = _claim(session, dataset, by)
        snapshot_id, dataset_id, generation = snapshot.id, dataset.id, snapshot.generation
        resource = dataset.resource
        session.expunge(resource)
    try:
        pulled = _pull(resource, settings, generation, progress)
    except Exception as exc:
        with db.session() as session:
            error = _message(exc)
            _fail(
                session,
                session.get_one(Dataset, dataset_id),
                session.get_one(Snapshot, snapshot_id),
                error,
                by,
            )
        return SnapshotResult(code, generation, 0, False, error)
    with db.session() as session:
        previous = _swap(
            session,
            session.get_one(Dataset, dataset_id),
            session.get_one(Snapshot, snapshot_id),
            pulled,
            by,
        )
    store.prune(settings.data_dir, code, keep_from=previous or generation)
    return SnapshotResult(code, generation, pulled.rows, True)


def refresh_in_session(
    session: Session, settings: Settings, dataset: Dataset, by: Actor
) -> SnapshotResult:
    """A snapshot inside the caller's transaction (the rows still stream to disk)."""
    snapshot = _claim(session, dataset, by)
    code = dataset.resource.code
    try:
        pulled = _pull(dataset.resource, settings, snapshot.generation, None)
    except Exception as exc:
        _fail(session, dataset, snapshot, _message(exc), by)
        return SnapshotResult(code, snapshot.generation, 0, False, _message(exc))
    previous = _swap(session, dataset, snapshot, pulled, by)
    store.prune(settings.data_dir, code, keep_from=previous or snapshot.generation)
    return SnapshotResult(code, snapshot.generation, pulled.rows, True)


def history(db: Database, code: str, limit: int = 20) -> list[Snapshot]:
    with db.session() as session:
        dataset = get_dataset(session, code)
        return list(
            session.scalars(
                select(Snapshot)
                .where(Snapshot.dataset_id == dataset.id)
                .order_by(Snapshot.generation.desc())
                .limit(limit)
            )
        )
