"""Supervision's figures on disputes: per department, how many are open, answered and
overdue, and the median answer time in working days."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.calendar import CHINA_TZ, load_calendar
from onceonly.core.db import utcnow
from onceonly.identity.models import Department
from onceonly.services.disputes.models import Dispute, DisputeStatus


@dataclass
class DisputeFigures:
    department: Department
    open: int = 0
    answered: int = 0
    corrected: int = 0
    overdue: int = 0  # open past the deadline, or answered after it
    median_answer_days: float | None = None  # working days from opening to the answer


def dispute_figures(session: Session) -> list[DisputeFigures]:
    """One row per department that has disputes, most open first."""
    calendar = load_calendar(session)
    now = utcnow()
    rows: dict[int, DisputeFigures] = {}
    days: dict[int, list[int]] = {}
    for dispute in session.scalars(select(Dispute)):
        row = rows.setdefault(dispute.department_id, DisputeFigures(dispute.department))
        answered_at = dispute.answered_at
        if answered_at is None:
            row.open += 1
            row.overdue += dispute.due_at < now
            continue
        row.answered += 1
        row.corrected += dispute.status is DisputeStatus.CORRECTED
        row.overdue += dispute.due_at < answered_at
        took = calendar.working_days_between(
            dispute.opened_at.astimezone(CHINA_TZ).date(), answered_at.astimezone(CHINA_TZ).date()
        )
        days.setdefault(dispute.department_id, []).append(took)
    for department_id, taken in days.items():
        rows[department_id].median_answer_days = float(median(taken))
    return sorted(rows.values(), key=lambda r: (-r.open, -r.answered, r.department.name))
