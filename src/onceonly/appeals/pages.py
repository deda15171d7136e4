"""Appeal pages: report a problem, my appeals, the operator desk, the department queue,
and the figures (ranking, per department and category, CSV)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from onceonly.appeals import figures, queries, routing, service
from onceonly.appeals.models import OPEN_STATUSES, Appeal
from onceonly.audit import service as audit
from onceonly.core.calendar import CHINA_TZ
from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.downloads import csv_attachment
from onceonly.core.edge import UPLOAD_BYTES
from onceonly.core.errors import Invalid, NotFound, Problem
from onceonly.core.params import Id
from onceonly.core.settings import Settings
from onceonly.identity import queries as identity_queries
from onceonly.identity.deps import CurrentUser, staff_with
from onceonly.identity.models import Department, Role, User
from onceonly.identity.service import actor_for_user
from onceonly.web import charts, nav
from onceonly.web.i18n import current_locale
from onceonly.web.i18n import gettext as _
from onceonly.web.period import parse_period, period_bounds
from onceonly.web.templating import flash, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
Operator = Annotated[User, Depends(staff_with(Role.hotline_operator))]
DepartmentStaff = Annotated[
    User, Depends(staff_with(Role.department_admin, Role.data_steward, Role.reviewer))
]

nav.register("portal", "Report a problem", "/portal/appeals/new", order=40)
nav.register("portal", "My appeals", "/portal/appeals", order=41)
nav.register("console", "Hotline desk", "/console/appeals", roles=[Role.hotline_operator], order=30)
nav.register("console", "Hotline figures", "/console/appeals/figures", order=31)
nav.register(
    "workbench",
    "Appeals queue",
    "/workbench/appeals",
    roles=[Role.department_admin, Role.data_steward, Role.reviewer],
    order=30,
)

PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
MAX_PHOTO = 5 * 1024 * 1024
STATUS_LABELS = {
    "pending": "At the hotline desk",
    "dispatched": "Sent to a department",
    "accepted": "Being handled",
    "closed": "Answered",
    "merged": "Merged with another appeal",
}
EVENT_LABELS = {
    "submitted": "Submitted",
    "dispatched": "Dispatched",
    "overridden": "Re-dispatched by the desk",
    "accepted": "Accepted",
    "returned": "Returned to the desk",
    "note": "Progress note",
    "reminded": "Reminder sent",
    "escalated": "Escalated",
    "merged": "Merged as a duplicate",
    "duplicate": "Duplicate filed here",
    "reply": "Reply",
    "rated": "Rated",
    "reopened": "Reopened",
}


def _department_of(session: Session, appeal: Appeal) -> Department | None:
    if appeal.department_id is None:
        return None
    return identity_queries.department(session, appeal.department_id)


def _common(session: Session) -> dict[str, object]:
    regions = identity_queries.regions(session)
    categories = routing.list_categories(session, active_only=False)
    chinese = current_locale.get() == "zh_CN"
    return {
        "categories": [c for c in categories if c.active],
        "category_names": {c.code: c.name if chinese else c.name_en for c in categories},
        "regions": regions,
        "status_labels": STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "ratings": service.RATINGS,
        "local": lambda value: (
            value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else ""
        ),
    }


def _float(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise Invalid(_("Latitude and longitude must be numbers"), field="lat") from None


def _media_dir(request: Request) -> Path:
    settings: Settings = request.app.state.settings
    return settings.data_dir / "appeals" / "media"


async def _save_photo(request: Request, photo: UploadFile | None) -> str:
    if photo is None or not photo.filename:
        return ""
    suffix = PHOTO_TYPES.get(photo.content_type or "")
    if suffix is None:
        raise Invalid(_("The photo must be a JPEG, PNG or WebP image"), field="photo")
    data = await photo.read(MAX_PHOTO + 1)
    if len(data) > MAX_PHOTO:
        raise Invalid(_("The photo is larger than 5 MB"), field="photo")
    folder = _media_dir(request)
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(16) + suffix
    (folder / name).write_bytes(data)
    base_url = request.app.state.settings.base_url.rstrip("/")
    return f"{base_url}/appeals/media/{name}"


@router.get("/appeals/media/{name}")
def media(request: Request, name: str) -> Response:
    path = _media_dir(request) / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise NotFound("no such photo")
    return FileResponse(path)


# Citizens --------------------------------------------------------------------------


@router.get("/portal/appeals/new")
def report_form(request: Request, session: DbSession, citizen: CurrentCitizen) -> Response:
    return render(request, "appeals/report.html", {**_common(session), "form": {}})


@router.post("/portal/appeals", max_body_size=UPLOAD_BYTES)
async def report(
    request: Request,
    session: DbSession,
    citizen: CurrentCitizen,
    category_code: Annotated[str, Form()],
    description: Annotated[str, Form()],
    region_code: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    long: Annotated[str, Form()] = "",
    urgency: Annotated[str, Form()] = "normal",
    contact_phone: Annotated[str, Form()] = "",
    public: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    form = {
        "category_code": category_code,
        "description": description,
        "region_code": region_code,
        "address": address,
        "lat": lat,
        "long": long,
        "urgency": urgency,
        "contact_phone": contact_phone,
        "public": public,
    }
    try:
        intake = service.Intake(
            category_code=category_code,
            description=description,
            channel="portal",
            address=address,
            lat=_float(lat),
            long=_float(long),
            region_code=region_code or None,
            urgency=urgency,
            person_id=citizen.person_id,
            contact_name=citizen.name,
            contact_phone=contact_phone,
            public=public == "1",  # private unless the person chooses to publish
        )
        service.validate(session, intake)
        intake.media_url = await _save_photo(request, photo)
        appeal = service.submit(session, intake, citizen.actor)
    except Problem as problem:
        context = {**_common(session), "form": form, "error": _(problem.detail)}
        return render(request, "appeals/report.html", context, status_code=problem.status)
    return redirect(f"/portal/appeals/{appeal.id}", request, _("Your appeal has been received."))


@router.get("/portal/appeals")
def my_appeals(request: Request, session: DbSession, citizen: CurrentCitizen) -> Response:
    appeals = queries.for_person(session, citizen.person_id)
    return render(request, "appeals/mine.html", {**_common(session), "appeals": appeals})


def _mine(session: Session, appeal_id: Id, citizen: CurrentCitizen) -> Appeal:
    appeal = service.get_appeal(session, appeal_id)
    if appeal.person_id != citizen.person_id:
        raise NotFound(f"no appeal {appeal_id}", code="appeal-not-found")
    return appeal


@router.get("/portal/appeals/{appeal_id}")
def my_appeal(
    request: Request, appeal_id: Id, session: DbSession, citizen: CurrentCitizen
) -> Response:
    appeal = _mine(session, appeal_id, citizen)
    context = {
        **_common(session),
        "appeal": appeal,
        "events": queries.timeline(session, appeal, public_only=True),
        "department": _department_of(session, appeal),
        "can_reopen": appeal.status == "closed"
        and appeal.rating is not None
        and appeal.rating <= service.DISSATISFIED_UP_TO
        and appeal.reopen_count < service.MAX_REOPENS,
    }
    return render(request, "appeals/detail.html", context)


@router.post("/portal/appeals/{appeal_id}/rate")
def rate(
    request: Request,
    appeal_id: Id,
    session: DbSession,
    citizen: CurrentCitizen,
    rating: Annotated[int, Form(ge=1, le=5)],
) -> Response:
    appeal = _mine(session, appeal_id, citizen)
    return _act(
        request,
        f"/portal/appeals/{appeal_id}",
        lambda: service.rate(session, appeal, citizen.person_id, rating, citizen.actor),
        _("Thank you for your rating."),
    )


@router.post("/portal/appeals/{appeal_id}/reopen")
def reopen(
    request: Request,
    appeal_id: Id,
    session: DbSession,
    citizen: CurrentCitizen,
    reason: Annotated[str, Form()] = "",
) -> Response:
    appeal = _mine(session, appeal_id, citizen)
    return _act(
        request,
        f"/portal/appeals/{appeal_id}",
        lambda: service.reopen(session, appeal, citizen.person_id, reason, citizen.actor),
        _("Your appeal has been reopened."),
    )


def _act(request: Request, back: str, action: object, done: str) -> Response:
    """Run a form's action; a refused step comes back as a message, not a crash."""
    try:
        action()  # type: ignore[operator]
    except Problem as problem:
        if problem.status >= 500 or problem.status in (401, 404):
            raise
        flash(request, _(problem.detail), "error")
        return redirect(back)
    return redirect(back, request, done)


# The operator desk -----------------------------------------------------------------


@router.get("/console/appeals")
def desk(request: Request, session: DbSession, user: Operator) -> Response:
    context = {**_common(session), "queue": queries.desk_queue(session), "form": {}}
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
            **_common(session),
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
        **_common(session),
        "appeal": appeal,
        "events": queries.timeline(session, appeal, public_only=False),
        "department": _department_of(session, appeal),
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
    start: str = "",
    end: str = "",
) -> Response:
    first, last = parse_period(start, end)
    lo, hi = period_bounds(first, last)
    ranking = figures.ranking(session, lo, hi)
    rated = [f for f in ranking if f.accepted]
    periods, series = figures.weekly_handling(session, hi)
    context = {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "ranking": ranking,
        "rows": figures.compute(session, lo, hi),
        "score_chart": charts.ranking([f.department for f in rated], [f.score for f in rated]),
        "trend": charts.trend(periods, series, "h") if series else None,
    }
    return render(request, "appeals/figures.html", context)


@router.get("/console/appeals/figures.csv")
def figures_csv(session: DbSession, user: CurrentUser, start: str = "", end: str = "") -> Response:
    first, last = parse_period(start, end)
    lo, hi = period_bounds(first, last)
    body = figures.to_csv(figures.compute(session, lo, hi))
    name = f"appeals-figures-{first.isoformat()}-{last.isoformat()}.csv"
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
    return _act(
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
    return _act(
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
    context = {**_common(session), "appeals": appeals, "show_all": all}
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
    return _act(request, f"/workbench/appeals/{appeal_id}", step, done)
