"""Sharing pages: request a resource, my requests, the review queue, grants with revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from onceonly.catalog import service as catalog
from onceonly.catalog.models import ShareClass
from onceonly.core.calendar import CHINA_TZ
from onceonly.core.db import utcnow
from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.params import Id
from onceonly.identity.deps import CurrentUser, staff_with
from onceonly.identity.models import Client, Role, User
from onceonly.sharing import service
from onceonly.sharing.schemas import DecisionIn, RequestIn
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
Reviewer = Annotated[User, Depends(staff_with(Role.reviewer, Role.department_admin))]

nav.register("workbench", "Request data", "/workbench/sharing/new", order=20)
nav.register("workbench", "My data requests", "/workbench/sharing/mine", order=21)
nav.register(
    "workbench",
    "Review data requests",
    "/workbench/sharing/queue",
    roles=[Role.reviewer, Role.department_admin],
    order=22,
)
nav.register("workbench", "Data grants", "/workbench/sharing/grants", order=23)

STATUS_LABELS = {"pending": "Pending review", "approved": "Approved", "rejected": "Rejected"}


def _local(value: datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _ctx(**extra: object) -> dict[str, object]:
    return {"local": _local, "status_labels": STATUS_LABELS, "now": utcnow(), **extra}


@router.get("/workbench/sharing/new")
def new_request(
    request: Request, session: DbSession, user: CurrentUser, resource: str = ""
) -> Response:
    resources = [
        r for r in catalog.list_resources(session) if r.share_class is not ShareClass.NOT_SHARED
    ]
    chosen = next((r for r in resources if r.code == resource), None)
    clients = session.scalars(
        select(Client)
        .where(Client.department_id == user.department_id, Client.revoked_at.is_(None))
        .order_by(Client.code)
    ).all()
    return render(
        request,
        "sharing/new.html",
        _ctx(resources=resources, chosen=chosen, clients=clients),
    )


@router.post("/workbench/sharing/new")
async def submit_request(request: Request, session: DbSession, user: CurrentUser) -> Response:
    form = await request.form()
    # Typed text goes through the schema, so a bad number is a 422, not a crash.
    spec = RequestIn.model_validate(
        {
            "resource_code": str(form.get("resource_code", "")),
            "client_code": str(form.get("client_code", "")),
            "fields": [str(f) for f in form.getlist("fields")],
            "purpose": str(form.get("purpose", "")),
            "legal_basis": str(form.get("legal_basis", "")),
            "duration_days": str(form.get("duration_days") or 365),
            "expected_volume": str(form.get("expected_volume") or 100),
        }
    )
    access = service.submit_request(session, spec, user)
    message = (
        _("Granted at once: the resource is shared unconditionally.")
        if access.grant_id
        else _("Your request has been sent to the provider's reviewers.")
    )
    return redirect("/workbench/sharing/mine", request, message)


@router.get("/workbench/sharing/mine")
def my_requests(request: Request, session: DbSession, user: CurrentUser) -> Response:
    rows = service.requests_of_consumer(session, user.department_id)
    return render(request, "sharing/mine.html", _ctx(requests=rows))


@router.get("/workbench/sharing/queue")
def queue(request: Request, session: DbSession, user: Reviewer) -> Response:
    department = user.department_scope
    rows = service.review_queue(session, department)
    return render(request, "sharing/queue.html", _ctx(requests=rows))


@router.post("/workbench/sharing/requests/{request_id}/decide")
async def decide(request_id: Id, request: Request, session: DbSession, user: Reviewer) -> Response:
    form = await request.form()
    approve = form.get("decision") == "approve"
    decision = DecisionIn(
        approve=approve,
        fields=[str(f) for f in form.getlist("fields")] or None,
        reason=str(form.get("reason", "")),
    )
    service.decide(session, service.get_request(session, request_id), decision, user)
    message = _("Request approved.") if approve else _("Request rejected.")
    return redirect("/workbench/sharing/queue", request, message)


@router.get("/workbench/sharing/grants")
def grants(request: Request, session: DbSession, user: CurrentUser) -> Response:
    rows = service.grants_visible_to(session, user)
    revocable = {g.id for g in rows if service.can_revoke(user, g)}
    return render(request, "sharing/grants.html", _ctx(grants=rows, revocable=revocable))


@router.post("/workbench/sharing/grants/{grant_id}/revoke")
async def revoke(grant_id: Id, request: Request, session: DbSession, user: CurrentUser) -> Response:
    form = await request.form()
    grant = service.get_grant(session, grant_id)
    service.revoke(session, grant, user, str(form.get("reason", "")))
    return redirect("/workbench/sharing/grants", request, _("Grant revoked."))
