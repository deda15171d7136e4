"""Find the current snapshot of a public dataset cheaply, for the hot read paths.

The row API and downloads resolve a dataset code to (generation, public?) on every
request; a one-row Core query with a one-second cache keeps that off the critical
path. A new generation is therefore visible to readers within a second of its swap.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import select

from onceonly.catalog.models import OpenClass, Resource
from onceonly.core.db import Database
from onceonly.core.errors import NotFound
from onceonly.opendata.models import Dataset
from onceonly.opendata.publishing.rows import Snapshot, snapshot_for

TTL_SECONDS = 1.0
_cache: dict[tuple[str, str], tuple[float, int, bool]] = {}
_lock = threading.Lock()


def pointer(db: Database, code: str) -> tuple[int, bool]:
    """(current generation, unconditionally open?) of dataset `code`."""
    key = (db.url, code)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    with db.engine.connect() as conn:
        row = conn.execute(
            select(Dataset.generation, Resource.open_class, Resource.retired_at)
            .join(Resource, Resource.id == Dataset.resource_id)
            .where(Resource.code == code)
        ).first()
    if row is None or row.retired_at is not None or row.open_class == OpenClass.NOT_OPEN:
        raise NotFound(f"No open dataset with code {code!r}.")
    value = (int(row.generation), row.open_class == OpenClass.UNCONDITIONAL)
    with _lock:
        _cache[key] = (now + TTL_SECONDS, *value)
    return value


def forget(db: Database, code: str) -> None:
    """Drop the cached pointer (after a swap in this process)."""
    with _lock:
        _cache.pop((db.url, code), None)


def public_snapshot(db: Database, data_dir: Path, code: str) -> Snapshot:
    generation, public = pointer(db, code)
    if not public:
        raise NotFound(
            f"Dataset {code!r} is open on application only: apply for it first.",
            code="on-application",
        )
    return snapshot_for(data_dir, code, generation)
