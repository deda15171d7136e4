"""Scheduled work: the deadline watch (run `onceonly appeals sweep` from cron, e.g. hourly)."""

from __future__ import annotations

from onceonly.appeals import service
from onceonly.core.db import Database


def run_sweep(db: Database) -> service.SweepResult:
    with db.session() as session:
        return service.sweep(session)
