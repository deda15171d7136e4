"""GET /api/v1/supervision/scorecards: every department's figures for a period;
GET /api/v1/supervision/once-only: the catalog's once-only figure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from onceonly.core.deps import DbSession
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Role, User
from onceonly.services.reach import figure as reach_figure
from onceonly.supervision import service
from onceonly.supervision.reach import OnceOnlyOut
from onceonly.supervision.reach import to_out as reach_out
from onceonly.supervision.schemas import SupervisionOut, to_out
from onceonly.web.period import ReportPeriod

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])
SUPERVISORS = (Role.platform_admin, Role.auditor, Role.department_admin)
Supervisor = Annotated[User, Depends(staff_with(*SUPERVISORS))]


@router.get("/scorecards", response_model=SupervisionOut)
def scorecards(session: DbSession, user: Supervisor, period: ReportPeriod) -> SupervisionOut:
    """Scorecards over [start, end] (YYYY-MM-DD, China time; default the last 365 days),
    most flagged department first. Rates are fractions (0–1); null where nothing happened."""
    cards = [to_out(c) for c in service.scorecards(session, *period.bounds)]
    return SupervisionOut(start=period.first, end=period.last, departments=cards)


@router.get("/once-only", response_model=OnceOnlyOut)
def once_only(session: DbSession, user: Supervisor) -> OnceOnlyOut:
    """The materials every active service item lists, by who supplies them: fetched (a
    department or the platform), reused (given to the platform once) or asked; per
    department and per item, with the trips each item needs. Shares are fractions."""
    return reach_out(reach_figure.compute(session))
