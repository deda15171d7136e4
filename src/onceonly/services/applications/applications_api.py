"""Applications as JSON, under /api/v1/services: the applicant's (portal session) and the
reviewer's (staff session). A change with a JSON body needs no CSRF token: FastAPI reads
a body as JSON only when it is sent as JSON, which a cross-site form cannot do; the
changes without a body must send the session's token in X-CSRF-Token. Errors are
problem+json.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from pydantic import BaseModel, Field

from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect, get_db
from onceonly.core.errors import Invalid
from onceonly.core.params import Id
from onceonly.identity.deps import staff_with
from onceonly.identity.models import User
from onceonly.services import schemas
from onceonly.services.applications import applications, starting
from onceonly.services.casework import figures, notify, review
from onceonly.services.materials import service as material_store
from onceonly.services.models import Application, ApplicationCase, CaseStatus

# Included by api.py under /api/v1/services.
router = APIRouter(tags=["services: applications"])
# A POST without a body could come from a cross-site form: it must echo the CSRF token.
NoBodyGuard = [Depends(csrf_protect)]
Reviewer = Annotated[User, Depends(staff_with(*review.REVIEW_ROLES))]
# An application as JSON: `timeline` only where the route adds it.
AS_APPLICATION: dict[str, Any] = {
    "response_model": schemas.ApplicationOut,
    "response_model_exclude_unset": True,
}


class StartIn(BaseModel):
    item_code: str | None = None
    bundle_code: str | None = None
    region_code: str | None = Field(default=None, max_length=6)
    # An open or decided application for the same items is a 409 naming it, unless the
    # applicant saw it and asks for another.
    again: bool = False


class MaterialIn(BaseModel):
    """A form's text, or a file as base64 with its name."""

    text: str | None = None
    filename: str | None = None
    content_base64: str | None = None


class SubmitIn(BaseModel):
    confirmed: bool = False
    email: str | None = Field(default=None, max_length=200)


class WithdrawIn(BaseModel):
    reason: str = Field(default="", max_length=2000)


class CorrectionIn(BaseModel):
    keys: list[str]
    note: str


class RejectIn(BaseModel):
    reason: str


def case_out(case: ApplicationCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "item": case.item.code,
        "item_name": case.item.name,
        "department": case.department.code if case.department else None,
        "status": case.status.value,
        "due_at": case.due_at,
        "overdue": review.is_overdue(case),
        "correction": {"keys": case.correction_keys, "note": case.correction_note}
        if case.correction_asked_at
        else None,
        "reason": case.reason or None,
        "result_serial": case.result_serial or None,
    }


def application_out(application: Application) -> dict[str, Any]:
    return {
        "ref": application.ref,
        "title": application.title,
        "title_en": application.title_en,
        "status": application.status.value,
        "applicant": application.applicant_code,
        "created_at": application.created_at,
        "submitted_at": application.submitted_at,
        "prefill_ms": application.prefill_ms,
        "materials": [
            {
                "key": m.key,
                "name": m.name,
                "name_en": m.name_en,
                "required": m.required,
                "source": m.source_kind.value if m.source_kind else None,
                "state": m.state.value,
                "origin": m.origin,
                "data": {k: v for k, v in m.data.items() if k != "sha256"},
                "note": m.note or None,
            }
            for m in application.materials
        ],
        "missing": [m.key for m in applications.missing(application)],
        "cases": [case_out(c) for c in application.cases],
    }


@router.post(
    "/applications",
    status_code=201,
    **AS_APPLICATION,
)
def start(
    body: StartIn, request: Request, session: DbSession, citizen: CurrentCitizen
) -> dict[str, Any]:
    application = starting.start(
        session,
        applications.applicant_of(session, citizen),
        item_code=body.item_code,
        bundle_code=body.bundle_code,
        region_code=body.region_code,
        db=get_db(request),
        settings=request.app.state.settings,
        again=body.again,
    )
    return application_out(application)


@router.get(
    "/applications", response_model=list[schemas.ApplicationOut], response_model_exclude_unset=True
)
def mine(session: DbSession, citizen: CurrentCitizen) -> list[dict[str, Any]]:
    applicant = applications.applicant_of(session, citizen)
    return [application_out(a) for a in applications.list_for(session, applicant)]


@router.get("/applications/{ref}", **AS_APPLICATION)
def one(ref: str, session: DbSession, citizen: CurrentCitizen) -> dict[str, Any]:
    application = applications.citizens_application(session, citizen, ref)
    out = application_out(application)
    out["timeline"] = [
        {"at": e.at, "kind": e.kind, "by": e.by, "note": e.note, "case": e.case_id}
        for e in applications.timeline(session, application)
    ]
    return out


@router.put(
    "/applications/{ref}/materials/{key}",
    **AS_APPLICATION,
)
def provide(
    ref: str, key: str, body: MaterialIn, session: DbSession, citizen: CurrentCitizen
) -> dict[str, Any]:
    application = applications.citizens_application(session, citizen, ref)
    if body.content_base64 is not None:
        try:
            content = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Invalid("content_base64 is not base64", code="bad-base64") from exc
        applications.provide_upload(session, application, key, body.filename or "", content)
    else:
        applications.provide_text(session, application, key, body.text or "")
    return application_out(application)


@router.post(
    "/applications/{ref}/submit",
    **AS_APPLICATION,
)
def submit(
    ref: str,
    body: SubmitIn,
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    citizen: CurrentCitizen,
) -> dict[str, Any]:
    application = applications.citizens_application(session, citizen, ref)
    if body.email:
        application.email = body.email.strip()
    applications.submit(session, application, confirmed=body.confirmed)
    material_store.keep_given(session, application)
    notify.deliver_later(request, background)
    return application_out(application)


@router.post(
    "/applications/{ref}/resubmit",
    dependencies=NoBodyGuard,
    **AS_APPLICATION,
)
def resubmit(ref: str, session: DbSession, citizen: CurrentCitizen) -> dict[str, Any]:
    application = applications.citizens_application(session, citizen, ref)
    applications.resubmit(session, application)
    material_store.keep_given(session, application)
    return application_out(application)


@router.post(
    "/applications/{ref}/withdraw",
    **AS_APPLICATION,
)
def withdraw(
    ref: str,
    body: WithdrawIn,
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    citizen: CurrentCitizen,
) -> dict[str, Any]:
    """Withdraw every case not yet decided (a JSON body, so no CSRF token is needed)."""
    application = applications.citizens_application(session, citizen, ref)
    applications.withdraw(session, application, body.reason)
    notify.deliver_later(request, background)
    return application_out(application)


@router.get("/notifications", response_model=list[schemas.NotificationOut])
def notifications(session: DbSession, citizen: CurrentCitizen) -> list[dict[str, Any]]:
    return [
        {"id": n.id, "subject": n.subject, "body": n.body, "at": n.created_at,
         "read": n.read_at is not None, "application": n.application_id}
        for n in notify.for_person(session, citizen.person_id)
    ]  # fmt: skip


# Reviewers ---------------------------------------------------------------------------


@router.get("/cases", response_model=list[schemas.CaseOut])
def cases(
    session: DbSession, user: Reviewer, status: CaseStatus | None = None, overdue: bool = False
) -> list[dict[str, Any]]:
    query = review.cases_query(review.departments_of(session, user), status, overdue)
    return [case_out(c) for c in session.scalars(query.limit(500))]


@router.get(
    "/cases/{case_id}", response_model=schemas.CaseDetailOut, response_model_exclude_unset=True
)
def case(case_id: Id, session: DbSession, user: Reviewer) -> dict[str, Any]:
    found = review.case_for(session, user, case_id)
    application = applications.by_id(session, found.application_id)
    return {**case_out(found), "application": application_out(application)}


@router.post("/cases/{case_id}/accept", dependencies=NoBodyGuard, response_model=schemas.CaseOut)
def accept(case_id: Id, session: DbSession, user: Reviewer) -> dict[str, Any]:
    found = review.case_for(session, user, case_id)
    review.accept(session, user, found)
    return case_out(found)


@router.post("/cases/{case_id}/correction", response_model=schemas.CaseOut)
def correction(
    case_id: Id,
    body: CorrectionIn,
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    user: Reviewer,
) -> dict[str, Any]:
    found = review.case_for(session, user, case_id)
    review.ask_correction(session, user, found, body.keys, body.note)
    notify.deliver_later(request, background)
    return case_out(found)


@router.post("/cases/{case_id}/approve", dependencies=NoBodyGuard, response_model=schemas.CaseOut)
def approve(
    case_id: Id, request: Request, background: BackgroundTasks, session: DbSession, user: Reviewer
) -> dict[str, Any]:
    found = review.case_for(session, user, case_id)
    review.approve(session, user, found)
    notify.deliver_later(request, background)
    return case_out(found)


@router.post("/cases/{case_id}/reject", response_model=schemas.CaseOut)
def reject(
    case_id: Id,
    body: RejectIn,
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    user: Reviewer,
) -> dict[str, Any]:
    found = review.case_for(session, user, case_id)
    review.reject(session, user, found, body.reason)
    notify.deliver_later(request, background)
    return case_out(found)


@router.get("/figures", response_model=list[schemas.FiguresOut])
def service_figures(
    session: DbSession, user: Reviewer, by: str = "department"
) -> list[dict[str, Any]]:
    if by not in ("department", "item"):
        raise Invalid("by is department or item", code="bad-parameter")
    rows = figures.by_item(session) if by == "item" else figures.by_department(session)
    return [
        {"department": r.department_code, "item": getattr(r, "item_code", None),
         "cases": r.cases, "decided": r.decided, "approved": r.approved,
         "fetched_share": round(r.fetched_share, 3), "on_time_share": round(r.on_time_share, 3),
         "overdue": r.overdue, "withdrawn": r.withdrawn,
         "average_working_days": round(r.average_days, 2), "max_trips": r.max_trips}
        for r in rows
    ]  # fmt: skip
