"""Operators' job page (runs, failures, backlog, "run now") and a citizen's export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect, get_db
from onceonly.core.downloads import CSV_MEDIA_TYPE, attachment
from onceonly.core.errors import NotFound
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Role, User
from onceonly.ops import export, jobs
from onceonly.web import nav
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
Operator = Annotated[User, Depends(staff_with(Role.platform_admin, Role.auditor))]
Admin = Annotated[User, Depends(staff_with(Role.platform_admin))]

nav.register("console", "Jobs", "/console/jobs", roles=[Role.platform_admin, Role.auditor])
nav.register("portal", "Export my data", "/portal/my-data/export", order=21)


def _runner(request: Request) -> jobs.Runner:
    """One job-queue client per app (a client, not a cache: the queue is shared)."""
    runner: jobs.Runner | None = getattr(request.app.state, "jobs", None)
    if runner is None:
        runner = jobs.Runner(request.app.state.settings, get_db(request))
        request.app.state.jobs = runner
    return runner


@router.get("/console/jobs")
def jobs_page(request: Request, user: Operator) -> Response:
    runner = _runner(request)
    db = get_db(request)
    context = {
        "jobs": list(jobs.JOBS.values()),
        "runs": jobs.recent_runs(db),
        "failures": jobs.failures_since(db),
        "backlog": runner.backlog(),
        "can_run": user.is_platform_admin,
    }
    return render(request, "ops/jobs.html", context)


@router.post("/console/jobs/run")
def run_now(request: Request, user: Admin, job: Annotated[str, Form()]) -> Response:
    try:
        _runner(request).enqueue(job)
    except KeyError:
        raise NotFound(f"no job called {job!r}", code="no-such-job") from None
    return RedirectResponse("/console/jobs", status_code=303)


@router.get("/portal/my-data/export")
def export_page(request: Request, citizen: CurrentCitizen) -> Response:
    return render(request, "ops/export.html", {})


@router.get("/portal/my-data/export.json")
def export_json(session: DbSession, citizen: CurrentCitizen) -> Response:
    data = export.to_json(export.collect(session, citizen.person_id, citizen.id_number))
    return attachment(data, "my-data.json", "application/json", no_store=True)


@router.get("/portal/my-data/export.csv")
def export_csv(session: DbSession, citizen: CurrentCitizen) -> Response:
    data = export.to_csv(export.collect(session, citizen.person_id, citizen.id_number))
    return attachment(data, "my-data.csv", CSV_MEDIA_TYPE, no_store=True)
