"""Pull a dataset's rows from its source into a new generation, then swap readers over.

A refresh runs in three short transactions around the long pull: claim a generation
(and record a running snapshot), stream the rows into the store, then point the
dataset at the finished generation. A failed pull leaves readers on the old one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.db import Database, utcnow
from onceonly.core.settings import Settings
from onceonly.opendata import source, store
from onceonly.opendata.models import Dataset, Snapshot, SnapshotStatus
from onceonly.opendata.service import get_dataset, next_refresh

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SnapshotResult:
    code: str
    generation: int
    rows: int
    ok: bool
    error: str = ""


def refresh(
    db: Database,
    settings: Settings,
    code: str,
    by: Actor,
    *,
    progress: Progress | None = None,
) -> SnapshotResult:
    """Take a new snapshot of dataset `code` now."""
    with db.session() as session:
        dataset = get_dataset(session, code)
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
        generation = max(last or 0, dataset.generation) + 1
        snapshot = Snapshot(
            dataset_id=dataset.id,
            generation=generation,
            status=SnapshotStatus.RUNNING,
            triggered_by=by.label or by.ref(),
        )
        session.add(snapshot)
        session.flush()
        snapshot_id, dataset_id = snapshot.id, dataset.id
        resource = dataset.resource
        columns = [store.Column(f.name, f.type) for f in resource.fields]
        fields = [c.name for c in columns]
        session.expunge(resource)

    writer = store.Writer(settings.data_dir, code, generation, columns)
    try:
        for batch in source.iter_rows(resource, settings, fields):
            writer.add(batch)
            if progress is not None:
                progress(len(batch))
        size = writer.finish({"code": code, "generation": generation, "fields": fields})
    except Exception as exc:
        writer.abort()
        error = str(getattr(exc, "detail", None) or exc) or type(exc).__name__
        _record_failure(db, dataset_id, snapshot_id, code, error, by)
        return SnapshotResult(code, generation, 0, False, error)

    with db.session() as session:
        now = utcnow()
        dataset = session.get_one(Dataset, dataset_id)
        previous = dataset.generation
        dataset.generation = generation
        dataset.row_count = writer.rows
        dataset.byte_size = size
        dataset.last_updated = now
        dataset.last_error = ""
        dataset.next_refresh_at = next_refresh(dataset.resource.update_frequency, now)
        snapshot = session.get_one(Snapshot, snapshot_id)
        snapshot.status = SnapshotStatus.DONE
        snapshot.row_count = writer.rows
        snapshot.finished_at = now
        audit.record(
            session,
            audit.Event(
                "opendata.snapshot.taken",
                by,
                "dataset",
                code,
                detail={"generation": generation, "rows": writer.rows},
            ),
        )
    store.prune(settings.data_dir, code, keep_from=previous or generation)
    return SnapshotResult(code, generation, writer.rows, True)


def _record_failure(
    db: Database, dataset_id: int, snapshot_id: int, code: str, error: str, by: Actor
) -> None:
    with db.session() as session:
        snapshot = session.get_one(Snapshot, snapshot_id)
        snapshot.status = SnapshotStatus.FAILED
        snapshot.error = error[:2000]
        snapshot.finished_at = utcnow()
        dataset = session.get_one(Dataset, dataset_id)
        dataset.last_error = error[:2000]
        audit.record(
            session,
            audit.Event(
                "opendata.snapshot.failed", by, "dataset", code, detail={"error": error[:300]}
            ),
        )


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
