"""Figures per service item and per department: how much was fetched rather than asked,
the trips the guide promises, on-time completion and average handling time.

Handling time is counted in working days from submission to decision (the same
calendar as the deadlines); a case is on time when it was decided by its deadline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.calendar import CHINA_TZ, WorkCalendar, load_calendar
from onceonly.core.db import utcnow
from onceonly.services.models import (
    DECIDED_CASES,
    OPEN_CASES,
    Application,
    ApplicationCase,
    CaseStatus,
    MaterialState,
)
from onceonly.web.i18n import local

FETCHED_STATES = (MaterialState.FETCHED, MaterialState.FROM_BUNDLE)


@dataclass
class Figures:
    cases: int = 0
    decided: int = 0
    approved: int = 0
    on_time: int = 0
    overdue: int = 0
    withdrawn: int = 0  # by the applicant before a decision: neither on time nor late
    materials: int = 0
    fetched: int = 0
    handling_days: int = 0  # sum over decided cases
    max_trips: int | None = None  # the most any of its items' guides asks

    @property
    def fetched_share(self) -> float:
        return self.fetched / self.materials if self.materials else 0.0

    @property
    def on_time_share(self) -> float:
        return self.on_time / self.decided if self.decided else 0.0

    @property
    def average_days(self) -> float:
        return self.handling_days / self.decided if self.decided else 0.0


@dataclass
class ItemFigures(Figures):
    item_code: str = ""
    item_name: str = ""
    department_code: str = ""
    department_name: str = ""


@dataclass
class DepartmentFigures(Figures):
    department_code: str = ""
    department_name: str = ""


def _cases(
    session: Session, since: datetime | None, until: datetime | None = None
) -> Iterable[tuple[ApplicationCase, Application]]:
    query = (
        select(ApplicationCase, Application)
        .join(Application, Application.id == ApplicationCase.application_id)
        .where(ApplicationCase.status != CaseStatus.DRAFT)
    )
    if since is not None:
        query = query.where(ApplicationCase.submitted_at >= since)
    if until is not None:
        query = query.where(ApplicationCase.submitted_at < until)
    return [(case, application) for case, application in session.execute(query)]


def _add(
    figures: Figures,
    case: ApplicationCase,
    application: Application,
    calendar: WorkCalendar,
    now: datetime,
) -> None:
    figures.cases += 1
    keys = {m.key for m in case.item.materials}
    own = [m for m in application.materials if m.key in keys]
    figures.materials += len(own)
    figures.fetched += sum(m.state in FETCHED_STATES for m in own)
    if case.item.max_trips is not None:
        figures.max_trips = max(figures.max_trips or 0, case.item.max_trips)
    if case.status in DECIDED_CASES and case.decided_at is not None:
        figures.decided += 1
        figures.approved += case.status is CaseStatus.APPROVED
        figures.on_time += case.due_at is None or case.decided_at <= case.due_at
        if case.submitted_at is not None:
            figures.handling_days += calendar.working_days_between(
                case.submitted_at.astimezone(CHINA_TZ).date(),
                case.decided_at.astimezone(CHINA_TZ).date(),
            )
    elif case.status in OPEN_CASES and case.due_at is not None and case.due_at < now:
        figures.overdue += 1
    elif case.status is CaseStatus.WITHDRAWN:
        figures.withdrawn += 1


def by_item(session: Session, since: datetime | None = None) -> list[ItemFigures]:
    calendar, now = load_calendar(session), utcnow()
    rows: dict[int, ItemFigures] = {}
    for case, application in _cases(session, since):
        department = case.department
        row = rows.setdefault(
            case.item_id,
            ItemFigures(
                item_code=case.item.code,
                item_name=local(case.item),
                department_code=department.code if department else "",
                department_name=local(department) if department else "",
            ),
        )
        _add(row, case, application, calendar, now)
    return sorted(rows.values(), key=lambda r: (r.department_code, r.item_code))


def by_department(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[DepartmentFigures]:
    calendar, now = load_calendar(session), utcnow()
    rows: dict[str, DepartmentFigures] = defaultdict(DepartmentFigures)
    for case, application in _cases(session, since, until):
        department = case.department
        code = department.code if department else ""
        row = rows[code]
        row.department_code = code
        row.department_name = local(department) if department else ""
        _add(row, case, application, calendar, now)
    return sorted(rows.values(), key=lambda r: r.department_code)


def weekly_days(
    session: Session, weeks: int = 12
) -> tuple[list[str], dict[str, list[float | None]]]:
    """Who is getting slower: each department's average handling time (working days) of
    the cases decided in each of the last `weeks` weeks (weeks start on Monday)."""
    calendar, now = load_calendar(session), utcnow()
    today = now.astimezone(CHINA_TZ).date()
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    starts = [first + timedelta(days=7 * i) for i in range(weeks)]
    totals: dict[str, list[list[int]]] = {}
    for case, _application in _cases(session, None):
        if case.decided_at is None or case.submitted_at is None:
            continue
        decided = case.decided_at.astimezone(CHINA_TZ).date()
        week = (decided - first).days // 7
        if not 0 <= week < weeks or case.department is None:
            continue
        days = calendar.working_days_between(case.submitted_at.astimezone(CHINA_TZ).date(), decided)
        cell = totals.setdefault(local(case.department), [[0, 0] for _ in starts])[week]
        cell[0] += days
        cell[1] += 1
    series = {
        name: [round(total / count, 2) if count else None for total, count in cells]
        for name, cells in sorted(totals.items())
    }
    return [f"{start:%m-%d}" for start in starts], series
