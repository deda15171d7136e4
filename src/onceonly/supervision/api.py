"""GET /api/v1/supervision/scorecards: every department's figures for a period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from onceonly.core.deps import DbSession
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Role, User
from onceonly.supervision import service
from onceonly.supervision.schemas import SupervisionOut, to_out
from onceonly.web.period import parse_period, period_bounds

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])
SUPERVISORS = (Role.platform_admin, Role.auditor, Role.department_admin)
Supervisor = Annotated[User, Depends(staff_with(*SUPERVISORS))]


@router.get("/scorecards", response_model=SupervisionOut)
def scorecards(
    session: DbSession, user: Supervisor, start: str = "", end: str = ""
) -> SupervisionOut:
    """Scorecards over [start, end] (YYYY-MM-DD, China time; default the last 365 days),
    most flagged department first. Rates are fractions (0–1); null where nothing happened."""
    first, last = parse_period(start, end)
    cards = service.scorecards(session, *period_bounds(first, last))
    return SupervisionOut(start=first, end=last, departments=[to_out(c) for c in cards])
