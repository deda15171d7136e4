"""The console's supervision pages: every department's scorecard, and one department's
overdue work, so an operator sees who is slow or closed and exactly what is waiting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from onceonly.appeals.desk import figures as appeals_figures
from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.downloads import csv_attachment
from onceonly.identity import service as identity
from onceonly.identity.deps import staff_with
from onceonly.identity.models import User
from onceonly.opendata import service as opendata
from onceonly.opendata.requests import applications as open_applications
from onceonly.services.casework import figures as services_figures
from onceonly.services.disputes.figures import dispute_figures
from onceonly.services.reach import figure as reach_figure
from onceonly.sharing import service as sharing
from onceonly.supervision import reach, service
from onceonly.supervision.api import SUPERVISORS
from onceonly.supervision.schemas import to_csv, to_out
from onceonly.web import charts, nav
from onceonly.web.i18n import gettext as _
from onceonly.web.period import ReportPeriod
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
Supervisor = Annotated[User, Depends(staff_with(*SUPERVISORS))]
nav.register("console", "Supervision", "/console/supervision", roles=SUPERVISORS, order=10)
nav.register("console", "Once-only figure", "/console/once-only", roles=SUPERVISORS, order=11)


def flag_texts() -> dict[str, str]:
    """What each flag means, worded for the page (the API gives the codes)."""
    return {
        "sharing-overdue": _("sharing requests past their review deadline"),
        "sharing-late": _("too few sharing requests decided on time"),
        "sharing-refused": _("most sharing requests refused"),
        "catalog-closed": _("too many resources not shared"),
        "source-failing": _("its sources often down or too slow"),
        "appeals-late": _("too few appeals handled on time"),
        "appeals-unsatisfied": _("too few callers satisfied"),
        "opendata-overdue": _("open-data applications past their deadline"),
        "opendata-quality": _("open datasets stale or failing"),
        "services-incomplete": _("service guides incomplete or fetching from nothing"),
        "services-overdue": _("service applications past their promised time"),
        "services-late": _("service applications decided late"),
    }


@router.get("/console/supervision")
def scorecards_page(
    request: Request, session: DbSession, user: Supervisor, period: ReportPeriod
) -> Response:
    cards = service.scorecards(session, *period.bounds)
    flagged = [c for c in cards if c.flags]
    served = [c for c in cards if c.services is not None and c.services.decided]
    periods, series = services_figures.weekly_days(session)
    context = {
        "flag_chart": charts.ranking(
            [c.department for c in flagged], [len(c.flags) for c in flagged]
        ),
        "on_time_chart": charts.ranking(
            [c.department for c in served],
            [100 * c.services.on_time_share for c in served if c.services is not None],
            "%",
        ),
        "trend": charts.trend(periods, series) if series else None,
        "start": period.start,
        "end": period.end,
        "cards": cards,
        "counts": service.flag_counts(cards),
        "texts": flag_texts(),
        "floors": {
            "on_time": service.ON_TIME_FLOOR,
            "satisfaction": service.SATISFACTION_FLOOR,
            "not_shared": service.NOT_SHARED_CEILING,
        },
        "disputes": dispute_figures(session),
    }
    return render(request, "supervision/scorecards.html", context)


@router.get("/console/supervision.csv")
def scorecards_csv(session: DbSession, user: Supervisor, period: ReportPeriod) -> Response:
    cards = service.scorecards(session, *period.bounds)
    name = f"supervision-{period.start}-{period.end}.csv"
    return csv_attachment(to_csv([to_out(c) for c in cards]), name)


@router.get("/console/once-only")
def once_only_page(request: Request, session: DbSession, user: Supervisor) -> Response:
    """What the catalog still asks citizens for, and the trips its items need."""
    figure = reach_figure.compute(session)
    labels = (_("Fetched"), _("Reused"), _("Asked"))
    context = {"figure": reach.to_out(figure), "chart": reach.chart(figure, labels)}
    return render(request, "supervision/once_only.html", context)


@router.get("/console/supervision/{department_code}")
def department_page(
    request: Request,
    department_code: str,
    session: DbSession,
    user: Supervisor,
    period: ReportPeriod,
) -> Response:
    department = identity.department_by_code(session, department_code)
    lo, hi = period.bounds
    card = next(c for c in service.scorecards(session, lo, hi) if c.department_id == department.id)
    context = {
        "start": period.start,
        "end": period.end,
        "card": card,
        "texts": flag_texts(),
        "overdue_requests": [
            r for r in sharing.overdue_requests(session) if r.provider_id == department.id
        ],
        "overdue_applications": [
            a for a in open_applications.overdue(session) if a.department_id == department.id
        ],
        "quality": opendata.quality_report(session, department_id=department.id),
        "appeal_rows": appeals_figures.compute(session, lo, hi, department_id=department.id),
    }
    return render(request, "supervision/department.html", context)
