"""Find the current snapshot of a public dataset cheaply, for the hot read paths.

The row API and downloads resolve a dataset code to (generation, public?) on every
request with one indexed one-row Core query (no ORM session, no cache: a cache per
worker process would let workers disagree about the current generation after a swap).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from onceonly.catalog.models import OpenClass, Resource
from onceonly.core.db import Database
from onceonly.core.errors import NotFound
from onceonly.opendata.models import Dataset
from onceonly.opendata.publishing.rows import Snapshot, snapshot_for


def pointer(db: Database, code: str) -> tuple[int, bool]:
    """(current generation, unconditionally open?) of dataset `code`."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(Dataset.generation, Resource.open_class, Resource.retired_at)
            .join(Resource, Resource.id == Dataset.resource_id)
            .where(Resource.code == code)
        ).first()
    if row is None or row.retired_at is not None or row.open_class == OpenClass.NOT_OPEN:
        raise NotFound(f"No open dataset with code {code!r}.")
    return int(row.generation), row.open_class == OpenClass.UNCONDITIONAL


def public_snapshot(db: Database, data_dir: Path, code: str) -> Snapshot:
    generation, public = pointer(db, code)
    if not public:
        raise NotFound(
            f"Dataset {code!r} is open on application only: apply for it first.",
            code="on-application",
        )
    return snapshot_for(data_dir, code, generation)
