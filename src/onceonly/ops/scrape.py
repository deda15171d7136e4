"""Figures read from the database at scrape time: every worker answers alike."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from onceonly.core.db import Database, utcnow
from onceonly.core.settings import Settings


class DatabaseFigures(Collector):
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db, self.settings = db, settings

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from onceonly.appeals.models import ACCEPTED, DISPATCHED, Appeal
        from onceonly.identity.models import Department
        from onceonly.ops.jobs import failures_since, make_huey
        from onceonly.services.models import OPEN_CASES, ApplicationCase

        now = utcnow()
        cases = GaugeMetricFamily(
            "onceonly_overdue_cases",
            "Application cases past their promised time limit, by department",
            labels=["department"],
        )
        appeals = GaugeMetricFamily(
            "onceonly_overdue_appeals",
            "Appeals past their deadline (to accept or to answer), by department",
            labels=["department"],
        )
        with self.db.session() as session:
            for code, n in session.execute(
                select(Department.code, func.count(ApplicationCase.id))
                .join(Department, Department.id == ApplicationCase.department_id)
                .where(ApplicationCase.status.in_(OPEN_CASES), ApplicationCase.due_at < now)
                .group_by(Department.code)
            ):
                cases.add_metric([code], n)
            late = ((Appeal.status == ACCEPTED) & (Appeal.due_at < now)) | (
                (Appeal.status == DISPATCHED) & (Appeal.accept_by < now)
            )
            for code, n in session.execute(
                select(Department.code, func.count(Appeal.id))
                .join(Department, Department.id == Appeal.department_id)
                .where(late)
                .group_by(Department.code)
            ):
                appeals.add_metric([code], n)
        yield cases
        yield appeals
        yield from _audit_figures(self.db)

        backlog = GaugeMetricFamily(
            "onceonly_jobs_backlog", "Background jobs waiting in the queue (due or scheduled)"
        )
        huey = make_huey(self.settings)
        backlog.add_metric([], int(huey.pending_count()) + int(huey.scheduled_count()))
        yield backlog
        failed = GaugeMetricFamily(
            "onceonly_jobs_failed_recent",
            "Background job runs that failed in the last 24 hours (and were not retried yet)",
        )
        failed.add_metric([], len(failures_since(self.db)))
        yield failed


def _audit_figures(db: Database) -> Iterator[GaugeMetricFamily]:
    from onceonly.audit.log.sequencer import lag

    with db.session() as session:
        behind = lag(session)
    waiting = GaugeMetricFamily(
        "onceonly_audit_unsequenced_entries", "Audit entries committed but not yet sequenced"
    )
    waiting.add_metric([], behind.waiting)
    oldest = GaugeMetricFamily(
        "onceonly_audit_oldest_wait_seconds", "How long the oldest unsequenced entry has waited"
    )
    oldest.add_metric([], behind.oldest_wait_s)
    size = GaugeMetricFamily("onceonly_audit_tree_size", "Entries in the audit log's tree")
    size.add_metric([], behind.size)
    yield from (waiting, oldest, size)
