"""Scheduled work: the deadline watch (run `onceonly appeals sweep` from cron, e.g. hourly)."""

from __future__ import annotations

from onceonly.appeals.workflow import deadlines
from onceonly.core.db import Database


def run_sweep(db: Database) -> deadlines.SweepResult:
    with db.session() as session:
        return deadlines.sweep(session)
