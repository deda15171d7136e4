"""Appeal pages for staff: the hotline operator desk (phone entry, dispatch, merge, the
figures) and a department's queue. Included by `pages.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onceonly.appeals import queries, service
from onceonly.appeals.desk import figures
from onceonly.appeals.desk.page_kit import act, common, department_of
from onceonly.appeals.models import OPEN_STATUSES, Appeal
from onceonly.audit import service as audit
from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.downloads import csv_attachment
from onceonly.core.errors import NotFound, Problem
from onceonly.core.params import Id
from onceonly.identity import queries as identity_queries
from onceonly.identity.deps import CurrentUser, DepartmentStaff, staff_with
from onceonly.identity.models import DEPARTMENT_STAFF, Role, User
from onceonly.identity.service import actor_for_user
from onceonly.web import charts, nav
from onceonly.web.i18n import gettext as _
from onceonly.web.period import ReportPeriod
from onceonly.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
Operator = Annotated[User, Depends(staff_with(Role.hotline_operator))]

nav.register("console", "Hotline desk", "/console/appeals", roles=[Role.hotline_operator], order=30)
nav.register("console", "Hotline figures", "/console/appeals/figures", order=31)
nav.register("workbench", "Appeals queue", "/workbench/appeals", roles=DEPARTMENT_STAFF, order=30)


# The operator desk -----------------------------------------------------------------


@router.get("/console/appeals")
def desk(request: Request, session: DbSession, user: Operator) -> Response:
    context = {**common(session), "queue": queries.desk_queue(session), "form": {}}
    return render(request, "appeals/desk.html", context)


@router.post("/console/appeals")
def phone_entry(
    request: Request,
    session: DbSession,
    user: Operator,
    category_code: Annotated[str, Form()],
    description: Annotated[str, Form()],
    contact_name: Annotated[str, Form()] = "",
    contact_phone: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    urgency: Annotated[str, Form()] = "normal",
) -> Response:
    intake = service.Intake(
        category_code=category_code,
        description=description,
        channel="phone",
        address=address,
        region_code=region_code or None,
        urgency=urgency,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    try:
        appeal = service.submit(session, intake, actor_for_user(user))
    except Problem as problem:
        context = {
            **common(session),
            "queue": queries.desk_queue(session),
            "form": intake.__dict__,
            "error": _(problem.detail),
        }
        return render(request, "appeals/desk.html", context, status_code=problem.status)
    return redirect(
        f"/console/appeals/{appeal.id}",
        request,
        _("Appeal %(id)s recorded.", id=appeal.id),
    )


def _staff_detail(
    request: Request, session: Session, user: User, appeal: Appeal, area: str
) -> Response:
    audit.record(
        session,
        audit.Event("appeal.view", actor_for_user(user), "appeal", str(appeal.id)),
    )
    departments = identity_queries.departments_by_code(session)
    context = {
        **common(session),
        "appeal": appeal,
        "events": queries.timeline(session, appeal, public_only=False),
        "department": department_of(session, appeal),
        "departments": departments,
        "area_path": f"/{area}/appeals",
        "is_desk": area == "console",
        "is_open": appeal.status in OPEN_STATUSES,
    }
    return render(request, "appeals/staff_detail.html", context)


@router.get("/console/appeals/figures")
def figures_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    period: ReportPeriod,
) -> Response:
    lo, hi = period.bounds
    ranking = figures.ranking(session, lo, hi)
    rated = [f for f in ranking if f.accepted]
    periods, series = figures.weekly_handling(session, hi)
    context = {
        "start": period.start,
        "end": period.end,
        "ranking": ranking,
        "rows": figures.compute(session, lo, hi),
        "score_chart": charts.ranking([f.department for f in rated], [f.score for f in rated]),
        "trend": charts.trend(periods, series, "h") if series else None,
    }
    return render(request, "appeals/figures.html", context)


@router.get("/console/appeals/figures.csv")
def figures_csv(session: DbSession, user: CurrentUser, period: ReportPeriod) -> Response:
    body = figures.to_csv(figures.compute(session, *period.bounds))
    name = f"appeals-figures-{period.start}-{period.end}.csv"
    return csv_attachment(body, name)


@router.get("/console/appeals/{appeal_id}")
def desk_appeal(request: Request, appeal_id: Id, session: DbSession, user: Operator) -> Response:
    return _staff_detail(request, session, user, service.get_appeal(session, appeal_id), "console")


@router.post("/console/appeals/{appeal_id}/dispatch")
def dispatch(
    request: Request,
    appeal_id: Id,
    session: DbSession,
    user: Operator,
    department_id: Annotated[Id, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    appeal = service.get_appeal(session, appeal_id)
    department = identity_queries.department(session, department_id)
    if department is None:
        raise NotFound("no such department")
    return act(
        request,
        f"/console/appeals/{appeal_id}",
        lambda: service.override(session, appeal, department, actor_for_user(user), note),
        _("The appeal has been dispatched."),
    )


@router.post("/console/appeals/{appeal_id}/merge")
def merge(
    request: Request,
    appeal_id: Id,
    session: DbSession,
    user: Operator,
    into_id: Annotated[Id, Form()],
) -> Response:
    appeal = service.get_appeal(session, appeal_id)
    into = service.get_appeal(session, into_id)
    return act(
        request,
        f"/console/appeals/{appeal_id}",
        lambda: service.merge(session, appeal, into, actor_for_user(user)),
        _("The appeal has been merged."),
    )


# The department queue --------------------------------------------------------------


@router.get("/workbench/appeals")
def queue(
    request: Request, session: DbSession, user: DepartmentStaff, all: bool = False
) -> Response:
    appeals = queries.department_queue(session, user.department_id, open_only=not all)
    context = {**common(session), "appeals": appeals, "show_all": all}
    return render(request, "appeals/queue.html", context)


def _ours(session: Session, appeal_id: Id, user: User) -> Appeal:
    appeal = service.get_appeal(session, appeal_id)
    scope = service.department_scope(session, user.department_id)
    if appeal.department_id not in scope and not user.is_platform_admin:
        raise NotFound(f"no appeal {appeal_id} in your queue", code="appeal-not-found")
    return appeal


@router.get("/workbench/appeals/{appeal_id}")
def queue_appeal(
    request: Request, appeal_id: Id, session: DbSession, user: DepartmentStaff
) -> Response:
    appeal = _ours(session, appeal_id, user)
    return _staff_detail(request, session, user, appeal, "workbench")


@router.post("/workbench/appeals/{appeal_id}/{action}")
def department_action(
    request: Request,
    appeal_id: Id,
    action: str,
    session: DbSession,
    user: DepartmentStaff,
    text: Annotated[str, Form()] = "",
    internal: Annotated[bool, Form()] = False,
) -> Response:
    appeal = _ours(session, appeal_id, user)
    actor = actor_for_user(user)
    steps = {
        "accept": (lambda: service.accept(session, appeal, actor), _("Accepted.")),
        "return": (
            lambda: service.return_appeal(session, appeal, actor, text),
            _("Returned to the hotline desk."),
        ),
        "note": (
            lambda: service.add_note(session, appeal, actor, text, public=not internal),
            _("Note added."),
        ),
        "reply": (lambda: service.reply(session, appeal, actor, text), _("Reply sent.")),
    }
    if action not in steps:
        raise NotFound(f"no action {action}")
    step, done = steps[action]
    return act(request, f"/workbench/appeals/{appeal_id}", step, done)
