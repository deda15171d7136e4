"""Deadline watch: remind departments of what is due within a day, escalate what is
overdue or was not accepted in time (the `appeals.sweep` job)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.appeals.models import ACCEPTED, DISPATCHED, Appeal
from onceonly.appeals.service import step
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow


@dataclass
class SweepResult:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def sweep(session: Session, now: datetime | None = None) -> SweepResult:
    """Remind departments of deadlines within a day; escalate what is overdue or was not
    accepted in time. Idempotent: each appeal is reminded and escalated once per round."""
    now = now or utcnow()
    actor = Actor.system("deadline watch")
    result = SweepResult()
    # Two ways to be late, each escalated once: not accepted in time, not answered in time.
    late = (
        (Appeal.status == DISPATCHED, Appeal.accept_by < now, "not accepted in time"),
        (Appeal.status == ACCEPTED, Appeal.due_at < now, "overdue"),
    )
    for in_status, past_deadline, note in late:
        waiting = select(Appeal).where(in_status, past_deadline, Appeal.escalated_at.is_(None))
        for appeal in session.scalars(waiting):
            appeal.escalated_at = now
            step(session, appeal, "escalated", actor, now, note=note, public=False)
            result.escalated.append(appeal.id)
    soon = select(Appeal).where(
        Appeal.status == ACCEPTED,
        Appeal.due_at >= now,
        Appeal.due_at < now + timedelta(days=1),
        Appeal.reminded_at.is_(None),
    )
    for appeal in session.scalars(soon):
        appeal.reminded_at = now
        step(session, appeal, "reminded", actor, now, note="due within a day", public=False)
        result.reminded.append(appeal.id)
    return result
