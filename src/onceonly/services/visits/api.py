"""Appointments and posted results as JSON, for the applicant (portal session), under
/api/v1/visits. Changes without a JSON body must echo the session's CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from onceonly.core.db import get_or_not_found
from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.params import Id
from onceonly.services.applications import applications
from onceonly.services.visits import posting, service
from onceonly.services.visits.models import Appointment, Posting, VisitSlot
from onceonly.services.visits.schemas import (
    AppointmentOut,
    BookIn,
    PostingOut,
    SlotOut,
    VisitNeedOut,
)

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])
NoBodyGuard = [Depends(csrf_protect)]


def slot_out(slot: VisitSlot) -> SlotOut:
    return SlotOut(
        id=slot.id, starts_at=slot.starts_at, ends_at=slot.ends_at, free=slot.capacity - slot.booked
    )


def appointment_out(appointment: Appointment) -> AppointmentOut:
    office = appointment.slot.setting.office
    return AppointmentOut(
        code=appointment.code,
        case_id=appointment.case_id,
        item=appointment.case.item.name,
        office=office.name,
        address=office.address,
        starts_at=appointment.slot.starts_at,
        status=appointment.status.value,
    )


def posting_out(found: Posting) -> PostingOut:
    return PostingOut.model_validate(
        {**{k: getattr(found, k) for k in PostingOut.model_fields}, "state": found.state.value}
    )


@router.get("/applications/{ref}", response_model=list[VisitNeedOut])
def needs(ref: str, session: DbSession, citizen: CurrentCitizen) -> list[VisitNeedOut]:
    """The services of the application that need a visit, with the booking or free times."""
    application = applications.citizens_application(session, citizen, ref)
    return [
        VisitNeedOut(
            case_id=need.case.id,
            item=need.case.item.name,
            office=need.setting.office.name,
            reason=need.setting.reason,
            appointment=appointment_out(need.appointment) if need.appointment else None,
            free_slots=[slot_out(s) for s in service.free_slots(session, need.setting)],
        )
        for need in service.needs_of(session, application)
    ]


@router.post("/applications/{ref}/appointments", status_code=201, response_model=AppointmentOut)
def book(ref: str, body: BookIn, session: DbSession, citizen: CurrentCitizen) -> AppointmentOut:
    application = applications.citizens_application(session, citizen, ref)
    booked = service.book(session, application, body.case_id, body.slot_id, citizen.actor)
    return appointment_out(booked)


@router.post(
    "/applications/{ref}/appointments/{code}/cancel",
    response_model=AppointmentOut,
    dependencies=NoBodyGuard,
)
def cancel(ref: str, code: str, session: DbSession, citizen: CurrentCitizen) -> AppointmentOut:
    application = applications.citizens_application(session, citizen, ref)
    return appointment_out(service.cancel(session, application, code[:12], citizen.actor))


@router.post(
    "/applications/{ref}/posting",
    status_code=201,
    response_model=PostingOut,
    dependencies=NoBodyGuard,
)
def request_posting(
    ref: str, request: Request, session: DbSession, citizen: CurrentCitizen
) -> PostingOut:
    application = applications.citizens_application(session, citizen, ref)
    settings = request.app.state.settings
    return posting_out(posting.request_posting(session, application, citizen.actor, settings))


@router.get("/slots/{slot_id}", response_model=SlotOut)
def slot(slot_id: Id, session: DbSession) -> SlotOut:
    """How many places a time still has (public, like a hall's queue board)."""
    found = get_or_not_found(session, VisitSlot, slot_id, f"no slot {slot_id}", "slot-not-found")
    return slot_out(found)
