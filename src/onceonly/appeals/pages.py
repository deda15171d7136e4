"""Appeal pages for citizens: report a problem (with a photo), my appeals, rate and reopen.
The staff pages (desk, figures, department queue) are in `desk_pages.py`."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from onceonly.appeals import queries, service
from onceonly.appeals.desk import desk_pages
from onceonly.appeals.desk.page_kit import act, common, department_of
from onceonly.appeals.models import Appeal
from onceonly.appeals.workflow import ratings
from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.edge import UPLOAD_BYTES
from onceonly.core.errors import Invalid, NotFound, Problem
from onceonly.core.params import Id
from onceonly.core.settings import Settings
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

nav.register("portal", "Report a problem", "/portal/appeals/new", order=40)
nav.register("portal", "My appeals", "/portal/appeals", order=41)

PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
MAX_PHOTO = 5 * 1024 * 1024


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
    return render(request, "appeals/report.html", {**common(session), "form": {}})


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
        context = {**common(session), "form": form, "error": _(problem.detail)}
        return render(request, "appeals/report.html", context, status_code=problem.status)
    return redirect(f"/portal/appeals/{appeal.id}", request, _("Your appeal has been received."))


@router.get("/portal/appeals")
def my_appeals(request: Request, session: DbSession, citizen: CurrentCitizen) -> Response:
    appeals = queries.for_person(session, citizen.person_id)
    return render(request, "appeals/mine.html", {**common(session), "appeals": appeals})


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
        **common(session),
        "appeal": appeal,
        "events": queries.timeline(session, appeal, public_only=True),
        "department": department_of(session, appeal),
        "can_reopen": appeal.status == "closed"
        and appeal.rating is not None
        and appeal.rating <= ratings.DISSATISFIED_UP_TO
        and appeal.reopen_count < ratings.MAX_REOPENS,
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
    return act(
        request,
        f"/portal/appeals/{appeal_id}",
        lambda: ratings.rate(session, appeal, citizen.person_id, rating, citizen.actor),
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
    return act(
        request,
        f"/portal/appeals/{appeal_id}",
        lambda: ratings.reopen(session, appeal, citizen.person_id, reason, citizen.actor),
        _("Your appeal has been reopened."),
    )


# The staff pages, after the citizens' (their paths never overlap).
router.include_router(desk_pages.router)
