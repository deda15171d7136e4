"""Scheduled work: refresh every dataset whose snapshot is due (run
`onceonly opendata refresh-due` from cron, e.g. every 15 minutes)."""

from __future__ import annotations

from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.settings import Settings
from onceonly.opendata import service
from onceonly.opendata.publishing.snapshots import SnapshotResult, refresh

SCHEDULER = Actor.system("open data scheduler")


def refresh_due(db: Database, settings: Settings) -> list[SnapshotResult]:
    """Snapshot each dataset never taken or past its next refresh time, one by one."""
    with db.session() as session:
        codes = [d.resource.code for d in service.due_for_refresh(session)]
    return [refresh(db, settings, code, SCHEDULER) for code in codes]
