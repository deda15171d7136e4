"""How each provider department handles the requests made to it: for supervision.

Counted per provider over requests *submitted* in a period; `overdue_now` is every
request still pending past its deadline, whenever it was submitted, because an old
unanswered request is exactly what supervision must show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from onceonly.core.db import utcnow
from onceonly.sharing.models import AccessRequest, RequestStatus


@dataclass(frozen=True)
class ProviderFigures:
    department_id: int
    received: int = 0
    decided: int = 0
    decided_on_time: int = 0
    rejected: int = 0
    overdue_now: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.decided_on_time / self.decided if self.decided else None

    @property
    def rejection_rate(self) -> float | None:
        return self.rejected / self.decided if self.decided else None


def provider_figures(
    session: Session, start: datetime, end: datetime, *, now: datetime | None = None
) -> dict[int, ProviderFigures]:
    """Provider department id → its figures; departments with no requests are absent."""
    decided = AccessRequest.decided_at.is_not(None)
    in_period = session.execute(
        select(
            AccessRequest.provider_id,
            func.count(),
            func.count(AccessRequest.decided_at),
            func.sum(case((and_(decided, AccessRequest.decided_at <= AccessRequest.due_at), 1))),
            func.sum(case((AccessRequest.status == RequestStatus.REJECTED, 1))),
        )
        .where(AccessRequest.submitted_at >= start, AccessRequest.submitted_at < end)
        .group_by(AccessRequest.provider_id)
    )
    figures = {
        dept: ProviderFigures(dept, received, n_decided, on_time or 0, rejected or 0)
        for dept, received, n_decided, on_time, rejected in in_period
    }
    overdue = session.execute(
        select(AccessRequest.provider_id, func.count())
        .where(
            AccessRequest.status == RequestStatus.PENDING,
            AccessRequest.due_at < (now or utcnow()),
        )
        .group_by(AccessRequest.provider_id)
    )
    for dept, count in overdue:
        base = figures.get(dept, ProviderFigures(dept))
        figures[dept] = ProviderFigures(
            dept, base.received, base.decided, base.decided_on_time, base.rejected, count
        )
    return figures
