"""Hotline figures: per department and category over a period, a ranking, CSV.

The measures are the ones the sources use for 12345 hotlines: appeals accepted and
completed, the completion rate, the on-time completion rate, the satisfaction rate,
and average first-response and handling times. An appeal belongs to the period in
which it was submitted; merged duplicates are not counted (their original is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from onceonly.appeals.models import CLOSED, MERGED, Appeal, AppealCategory
from onceonly.appeals.workflow.ratings import SATISFIED_FROM
from onceonly.core.downloads import csv_text
from onceonly.identity.models import Department
from onceonly.web.i18n import local


@dataclass
class Figure:
    department_id: int
    department: str
    category: str  # a category code, or "" for all categories of the department
    category_name: str
    accepted: int
    completed: int
    on_time: int
    rated: int
    satisfied: int
    first_response_hours: float | None
    handling_hours: float | None

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.accepted if self.accepted else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.completed if self.completed else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def score(self) -> float:
        """The ranking score: the three rates weighted equally (missing counts as 0)."""
        rates = (self.completion_rate, self.on_time_rate, self.satisfaction_rate)
        return round(sum(r or 0.0 for r in rates) / 3 * 100, 1)


def compute(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    by_category: bool = True,
    department_id: int | None = None,
) -> list[Figure]:
    """Figures for appeals submitted in [start, end)."""
    columns = [
        Appeal.department_id,
        func.count().label("accepted"),
        func.sum(case((Appeal.status == CLOSED, 1), else_=0)).label("completed"),
        func.sum(case(((Appeal.status == CLOSED) & Appeal.on_time.is_(True), 1), else_=0)).label(
            "on_time"
        ),
        func.sum(case((Appeal.rating.is_not(None), 1), else_=0)).label("rated"),
        func.sum(case((Appeal.rating >= SATISFIED_FROM, 1), else_=0)).label("satisfied"),
        func.avg(Appeal.first_response_seconds.cast(Integer)).label("first_response"),
        func.avg(Appeal.handling_seconds.cast(Integer)).label("handling"),
    ]
    groups: list[Any] = [Appeal.department_id]
    if by_category:
        columns.insert(1, Appeal.category_code)
        groups.append(Appeal.category_code)
    query = (
        select(*columns)
        .where(
            Appeal.requested_at >= start,
            Appeal.requested_at < end,
            Appeal.department_id.is_not(None),
            Appeal.status != MERGED,
            Appeal.accepted_at.is_not(None),
        )
        .group_by(*groups)
    )
    if department_id is not None:
        query = query.where(Appeal.department_id == department_id)
    # Names in the reader's language: the figures page, its charts and its CSV show them.
    departments = {d.id: local(d) for d in session.scalars(select(Department))}
    categories = {c.code: local(c) for c in session.scalars(select(AppealCategory))}
    figures = []
    for row in session.execute(query):
        category = row.category_code if by_category else ""
        figures.append(
            Figure(
                department_id=row.department_id,
                department=departments.get(row.department_id, str(row.department_id)),
                category=category,
                category_name=categories.get(category, category),
                accepted=int(row.accepted or 0),
                completed=int(row.completed or 0),
                on_time=int(row.on_time or 0),
                rated=int(row.rated or 0),
                satisfied=int(row.satisfied or 0),
                first_response_hours=_hours(row.first_response),
                handling_hours=_hours(row.handling),
            )
        )
    figures.sort(key=lambda f: (f.department, f.category))
    return figures


def _hours(seconds: float | None) -> float | None:
    return round(float(seconds) / 3600, 1) if seconds is not None else None


def ranking(session: Session, start: datetime, end: datetime) -> list[Figure]:
    """Departments from best to worst by score, then by volume."""
    rows = compute(session, start, end, by_category=False)
    return sorted(rows, key=lambda f: (-f.score, -f.accepted, f.department))


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


CSV_HEADER = [
    "department",
    "category",
    "accepted",
    "completed",
    "completion_rate_pct",
    "on_time_rate_pct",
    "satisfaction_rate_pct",
    "avg_first_response_hours",
    "avg_handling_hours",
]


def to_csv(figures: list[Figure]) -> str:
    return csv_text(
        CSV_HEADER,
        (
            [
                f.department,
                f.category_name or "",
                f.accepted,
                f.completed,
                _pct(f.completion_rate),
                _pct(f.on_time_rate),
                _pct(f.satisfaction_rate),
                "" if f.first_response_hours is None else f.first_response_hours,
                "" if f.handling_hours is None else f.handling_hours,
            ]
            for f in figures
        ),
    )


def weekly_handling(
    session: Session, end: datetime, weeks: int = 8, top: int = 6
) -> tuple[list[str], dict[str, list[float | None]]]:
    """Who is getting slower: average handling hours per week of the `top` departments
    with the most appeals over the `weeks` weeks before `end`."""
    starts = [end - timedelta(weeks=weeks - i) for i in range(weeks)]
    per_week = [
        {f.department: f for f in compute(session, s, s + timedelta(weeks=1), by_category=False)}
        for s in starts
    ]
    volume: dict[str, int] = {}
    for week in per_week:
        for name, figure in week.items():
            volume[name] = volume.get(name, 0) + figure.accepted
    busiest = sorted(volume, key=lambda name: -volume[name])[:top]
    series = {
        name: [week[name].handling_hours if name in week else None for week in per_week]
        for name in busiest
    }
    return [f"{s:%m-%d}" for s in starts], series
