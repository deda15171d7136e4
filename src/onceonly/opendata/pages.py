"""Open data pages: dataset search with facets, the dataset page (preview, downloads),
API help, applications (apply, mine, the public list, the department queue), quality."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onceonly.core.calendar import CHINA_TZ
from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.errors import Problem
from onceonly.core.params import Id
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Role, User
from onceonly.identity.service import actor_for_user, require_role
from onceonly.opendata import service
from onceonly.opendata.ckan import pages as ckan_pages
from onceonly.opendata.models import ApplicationStatus, Dataset, Delivery
from onceonly.opendata.publishing.rows import RowQuery, snapshot_for
from onceonly.opendata.publishing.snapshots import history, refresh
from onceonly.opendata.requests import applications
from onceonly.opendata.schemas import ApplicationIn, DecisionIn
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import attempt, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
router.include_router(ckan_pages.router)  # the CKAN API token page
DepartmentStaff = Annotated[User, Depends(staff_with(*applications.DECIDERS))]

nav.register("portal", "Open data", "/opendata", order=60)
nav.register("portal", "My data applications", "/portal/opendata/applications", order=61)
nav.register(
    "workbench",
    "Open data applications",
    "/workbench/opendata/applications",
    roles=applications.DECIDERS,
    order=60,
)
nav.register(
    "workbench",
    "Open data quality",
    "/workbench/opendata/quality",
    roles=applications.DECIDERS,
    order=61,
)
nav.register(
    "console",
    "Open data quality",
    "/console/opendata/quality",
    roles=[Role.platform_admin, Role.auditor],
    order=60,
)

PREVIEW_ROWS = 20
FACETS = ("department", "theme", "tag", "access")
STATUS_LABELS = {"pending": "Pending", "approved": "Approved", "refused": "Refused"}
FLAG_LABELS = {
    "stale": "Stale",
    "empty": "Empty or nearly empty",
    "undescribed_fields": "Fields without a description",
}
FREQUENCY_LABELS = {
    "realtime": "Real time",
    "daily": "Daily",
    "weekly": "Weekly",
    "monthly": "Monthly",
    "quarterly": "Quarterly",
    "yearly": "Yearly",
    "once": "Once",
}


def local(value: datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _common() -> dict[str, Any]:
    return {
        "local": local,
        "status_labels": STATUS_LABELS,
        "flag_labels": FLAG_LABELS,
        "frequency_labels": FREQUENCY_LABELS,
        "themes": service.THEME_TITLES,
    }


def _facet_values(dataset: Dataset) -> dict[str, list[str]]:
    resource = dataset.resource
    return {
        "department": [resource.department.code],
        "theme": [dataset.theme],
        "tag": list(resource.tags),
        "access": ["public" if service.is_public(dataset) else "on_application"],
    }


def _matches(dataset: Dataset, q: str) -> bool:
    resource = dataset.resource
    text = " ".join([resource.code, resource.name, resource.description, *resource.tags]).lower()
    return all(word in text for word in q.lower().split())


@router.get("/opendata")
def search(request: Request, session: DbSession, q: str = "") -> Response:
    chosen = {f: request.query_params.getlist(f) for f in FACETS}
    datasets = [d for d in service.list_datasets(session) if _matches(d, q)]
    selected = [
        d
        for d in datasets
        if all(not wanted or set(wanted) & set(_facet_values(d)[f]) for f, wanted in chosen.items())
    ]
    facets = {f: Counter(v for d in selected for v in _facet_values(d)[f]) for f in FACETS}
    departments = {d.resource.department.code: d.resource.department.name for d in datasets}
    context = {
        **_common(),
        "q": q,
        "datasets": [service.to_out(d) for d in selected],
        "facets": facets,
        "chosen": chosen,
        "departments": departments,
    }
    return render(request, "opendata/search.html", context)


@router.get("/opendata/datasets/{code}")
def dataset_page(request: Request, code: str, session: DbSession) -> Response:
    dataset = service.get_dataset(session, code)
    out = service.to_out(dataset)
    preview: tuple[list[str], list[tuple[Any, ...]], int | None] = ([], [], 0)
    if service.is_public(dataset) and dataset.generation:
        snapshot = snapshot_for(request.app.state.settings.data_dir, code, dataset.generation)
        preview = snapshot.page(RowQuery(limit=PREVIEW_ROWS), count=False)
    staff = request.session.get("staff")
    can_refresh = bool(staff) and _can_manage(request, session, dataset)
    context = {
        **_common(),
        "dataset": out,
        "preview_fields": [n for n in preview[0] if n != "_id"],
        "preview_rows": [row[1:] for row in preview[1]],
        "flags": service.flags_for(dataset),
        "can_refresh": can_refresh,
        "snapshots": history(request.app.state.db, code, limit=5) if can_refresh else [],
    }
    return render(request, "opendata/dataset.html", context)


def _can_manage(request: Request, session: Session, dataset: Dataset) -> bool:
    user = session.get(User, request.session.get("uid"))
    if user is None:
        return False
    try:
        require_role(user, *applications.DECIDERS, department_id=dataset.resource.department_id)
    except Problem:
        return False
    return True


@router.post("/workbench/opendata/datasets/{code}/refresh")
def refresh_now(
    request: Request, code: str, session: DbSession, user: DepartmentStaff, tasks: BackgroundTasks
) -> Response:
    dataset = service.get_dataset(session, code)
    require_role(user, *applications.DECIDERS, department_id=dataset.resource.department_id)
    app = request.app
    tasks.add_task(refresh, app.state.db, app.state.settings, code, actor_for_user(user))
    return redirect(f"/opendata/datasets/{code}", request, _("A new snapshot is being taken."))


@router.get("/opendata/api")
def api_help(request: Request) -> Response:
    return render(request, "opendata/api_help.html", {"base": str(request.base_url).rstrip("/")})


# Applications ---------------------------------------------------------------------------


@router.get("/opendata/datasets/{code}/apply")
def apply_form(
    request: Request, code: str, session: DbSession, citizen: CurrentCitizen
) -> Response:
    dataset = service.to_out(service.get_dataset(session, code))
    return render(request, "opendata/apply.html", {**_common(), "dataset": dataset, "form": {}})


@router.post("/opendata/datasets/{code}/apply")
async def apply(
    request: Request, code: str, session: DbSession, citizen: CurrentCitizen
) -> Response:
    form = await request.form()
    data = {
        "purpose": str(form.get("purpose", "")),
        "fields": [str(f) for f in form.getlist("fields")],
        "period_from": str(form.get("period_from", "")),
        "period_to": str(form.get("period_to", "")),
        "delivery": str(form.get("delivery", Delivery.LINK)),
    }
    try:
        spec = ApplicationIn.model_validate(data)
        applications.apply(session, code, citizen, spec)
    except (Problem, ValueError) as problem:
        message = problem.detail if isinstance(problem, Problem) else _("Fill in every field.")
        errors = problem.extra.get("errors", []) if isinstance(problem, Problem) else []
        dataset = service.to_out(service.get_dataset(session, code))
        context = {
            **_common(),
            "dataset": dataset,
            "form": data,
            "error": _(message),
            "errors": errors,
        }
        return render(request, "opendata/apply.html", context, status_code=422)
    return redirect("/portal/opendata/applications", request, _("Your application has been sent."))


@router.get("/portal/opendata/applications")
def my_applications(request: Request, session: DbSession, citizen: CurrentCitizen) -> Response:
    rows = [
        {"application": a, "secret": applications.delivered_secret(a)}
        for a in applications.mine(session, citizen)
    ]
    return render(request, "opendata/mine.html", {**_common(), "rows": rows, "today": date.today()})


@router.get("/opendata/applications")
def public_applications(request: Request, session: DbSession) -> Response:
    rows = applications.public_list(session)
    return render(request, "opendata/public_applications.html", {**_common(), "rows": rows})


@router.get("/workbench/opendata/applications")
def department_queue(
    request: Request, session: DbSession, user: DepartmentStaff, all: bool = False
) -> Response:
    department = user.department_scope
    status = None if all else ApplicationStatus.PENDING
    rows = applications.queue(session, department, status=status)
    context = {**_common(), "rows": rows, "show_all": all, "now": datetime.now(CHINA_TZ)}
    return render(request, "opendata/queue.html", context)


@router.post("/workbench/opendata/applications/{application_id}/decide")
def decide(
    request: Request,
    application_id: Id,
    session: DbSession,
    user: DepartmentStaff,
    approve: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    valid_days: Annotated[int, Form(ge=1, le=365)] = 30,
) -> Response:
    back = "/workbench/opendata/applications"
    decision = DecisionIn(approve=approve == "yes", reason=reason, valid_days=valid_days)
    return attempt(
        request,
        session,
        lambda: applications.decide(session, application_id, user, decision),
        back,
        _("Decision recorded."),
    )


# Quality --------------------------------------------------------------------------------


@router.get("/workbench/opendata/quality")
def department_quality(request: Request, session: DbSession, user: DepartmentStaff) -> Response:
    department = user.department_scope
    flags = service.quality_report(session, department_id=department)
    return render(request, "opendata/quality.html", {**_common(), "flags": flags})


@router.get("/console/opendata/quality")
def console_quality(
    request: Request,
    session: DbSession,
    user: Annotated[User, Depends(staff_with(Role.platform_admin, Role.auditor))],
) -> Response:
    flags = service.quality_report(session)
    overdue = applications.overdue(session)
    context = {**_common(), "flags": flags, "overdue": overdue}
    return render(request, "opendata/quality.html", context)
