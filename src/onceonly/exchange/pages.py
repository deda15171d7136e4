"""The operators' traffic page: calls, errors and latency per resource."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from onceonly.core.db import utcnow
from onceonly.core.deps import DbSession, csrf_protect
from onceonly.exchange import stats
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Role, User
from onceonly.web import charts, nav
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
Operator = Annotated[User, Depends(staff_with(Role.platform_admin, Role.auditor))]
PERIODS = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}

nav.register(
    "console",
    "Exchange traffic",
    "/console/exchange",
    roles=[Role.platform_admin, Role.auditor],
    order=20,
)


@router.get("/console/exchange")
def traffic(request: Request, session: DbSession, user: Operator, period: str = "24h") -> Response:
    window = PERIODS.get(period, PERIODS["24h"])
    rows = stats.traffic(session, since=utcnow() - window)
    periods, series = stats.daily_p95(session)
    context = {
        "rows": rows,
        "period": period if period in PERIODS else "24h",
        "periods": PERIODS,
        "slowest": charts.ranking([t.resource_code for t in rows], [t.p95_ms for t in rows], "ms"),
        "trend": charts.trend(periods, series, "ms") if series else None,
    }
    return render(request, "exchange/traffic.html", context)
