"""Appointment and posting pages: the applicant books, cancels and asks for the result
to be posted; the clerk sees the day's bookings and records tracking numbers."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onceonly.core.calendar import CHINA_TZ
from onceonly.core.db import utcnow
from onceonly.core.deps import CurrentCitizen, DbSession
from onceonly.core.params import Id
from onceonly.identity import service as identity
from onceonly.identity.deps import staff_with
from onceonly.identity.models import User
from onceonly.services.applications import applications
from onceonly.services.casework import review
from onceonly.services.items.labels import labels
from onceonly.services.models import Application
from onceonly.services.visits import posting, service
from onceonly.services.visits.models import VisitSlot
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import attempt, render

# Mounted by services/pages.py, whose router checks the CSRF token of every unsafe request.
router = APIRouter(include_in_schema=False)
Clerk = Annotated[User, Depends(staff_with(*review.REVIEW_ROLES))]
nav.register(
    "workbench", "Visits and postings", "/workbench/visits", roles=review.REVIEW_ROLES, order=21
)

POSTING_LABELS = {"requested": "To be posted", "posted": "Posted", "delivered": "Delivered"}


def trips_context(session: Session, application: Application) -> dict[str, Any]:
    """What the application page shows of visits and posting."""
    return {
        "visit_needs": service.needs_of(session, application),
        "posting": posting.posting_of(session, application),
        "posting_labels": POSTING_LABELS,
    }


def _days(slots: list[VisitSlot]) -> list[tuple[date, list[VisitSlot]]]:
    def local_day(slot: VisitSlot) -> date:
        return slot.starts_at.astimezone(CHINA_TZ).date()

    return [(day, list(group)) for day, group in groupby(slots, key=local_day)]


@router.get("/portal/applications/{ref}/visit")
def visit_page(request: Request, session: DbSession, citizen: CurrentCitizen, ref: str) -> Response:
    application = applications.citizens_application(session, citizen, ref)
    needs = service.needs_of(session, application)
    free = {n.case.id: _days(service.free_slots(session, n.setting)) for n in needs}
    context = {**labels(), "application": application, "needs": needs, "free": free}
    return render(request, "visits/visit.html", context)


@router.post("/portal/applications/{ref}/visit")
def book(
    request: Request,
    session: DbSession,
    citizen: CurrentCitizen,
    ref: str,
    case_id: Annotated[Id, Form()],
    slot_id: Annotated[Id, Form()],
) -> Response:
    application = applications.citizens_application(session, citizen, ref)
    return attempt(
        request,
        session,
        lambda: service.book(session, application, case_id, slot_id, citizen.actor),
        f"/portal/applications/{ref}/visit",
        _("Visit booked."),
    )


@router.post("/portal/applications/{ref}/visit/{code}/cancel")
def cancel(
    request: Request, session: DbSession, citizen: CurrentCitizen, ref: str, code: str
) -> Response:
    application = applications.citizens_application(session, citizen, ref)
    return attempt(
        request,
        session,
        lambda: service.cancel(session, application, code[:12], citizen.actor),
        f"/portal/applications/{ref}/visit",
        _("Visit cancelled."),
    )


@router.post("/portal/applications/{ref}/posting")
def request_posting(
    request: Request, session: DbSession, citizen: CurrentCitizen, ref: str
) -> Response:
    application = applications.citizens_application(session, citizen, ref)
    settings = request.app.state.settings
    return attempt(
        request,
        session,
        lambda: posting.request_posting(session, application, citizen.actor, settings),
        f"/portal/applications/{ref}#trips",
        _("The result will be posted to you."),
    )


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return utcnow().astimezone(CHINA_TZ).date()


@router.get("/workbench/visits")
def clerk_day(request: Request, session: DbSession, user: Clerk, day: str = "") -> Response:
    """The day's booked visits at the department's offices, and results to post."""
    chosen = _day(day[:10])
    departments = review.departments_of(session, user)
    context = {
        **labels(),
        "day": chosen,
        "previous": chosen - timedelta(days=1),
        "next": chosen + timedelta(days=1),
        "bookings": service.day_bookings(session, departments, chosen),
        "postings": posting.postings_for(session, departments),
        "posting_labels": POSTING_LABELS,
    }
    return render(request, "visits/workbench.html", context)


@router.post("/workbench/visits/postings/{posting_id}/posted")
def posted(
    request: Request,
    session: DbSession,
    user: Clerk,
    posting_id: Id,
    carrier: Annotated[str, Form(max_length=60)] = "",
    tracking_no: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    found = posting.posting_for_clerk(session, review.departments_of(session, user), posting_id)
    actor = identity.actor_for_user(user)
    return attempt(
        request,
        session,
        lambda: posting.mark_posted(session, found, actor, carrier, tracking_no),
        "/workbench/visits#postings",
        _("Tracking number recorded."),
    )


@router.post("/workbench/visits/postings/{posting_id}/delivered")
def delivered(request: Request, session: DbSession, user: Clerk, posting_id: Id) -> Response:
    found = posting.posting_for_clerk(session, review.departments_of(session, user), posting_id)
    actor = identity.actor_for_user(user)
    return attempt(
        request,
        session,
        lambda: posting.mark_delivered(session, found, actor),
        "/workbench/visits#postings",
        _("Marked as delivered."),
    )
