"""Appointments: slots per item and office, booking, cancelling, reminders, and the
clerk's list of the day's bookings.

Capacity holds across app processes: a booking raises its slot's count with one
conditional UPDATE (`booked < capacity`), which the database serialises per row (and a
CHECK constraint bounds), and a case's one booked appointment is a unique key.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.calendar import CHINA_TZ, WorkCalendar
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound, Problem
from onceonly.services.applications.applications import add_event
from onceonly.services.casework import routing
from onceonly.services.items import service as catalog
from onceonly.services.models import (
    CLOSED_CASES,
    Application,
    ApplicationCase,
    ApplicationStatus,
    CaseStatus,
    ServiceItem,
)
from onceonly.services.visits.models import (
    Appointment,
    AppointmentStatus,
    VisitOffice,
    VisitSetting,
    VisitSlot,
)

# Opening hours of a service hall, China time: slots are cut inside these.
HOURS = ((time(9, 0), time(12, 0)), (time(14, 0), time(17, 0)))
REMIND_AHEAD = timedelta(hours=24)
ALREADY_BOOKED = "this service already has a booked visit; cancel it to choose another time"


def setting_for(session: Session, item: ServiceItem) -> VisitSetting | None:
    """The item's visit setting, or its province template's (a city implements it)."""
    for item_id in (item.id, item.template_id):
        if item_id is None:
            continue
        found = session.scalar(select(VisitSetting).where(VisitSetting.item_id == item_id))
        if found is not None:
            return found
    return None


def setting_for_case(
    session: Session, application: Application, case: ApplicationCase
) -> VisitSetting | None:
    """The setting of the item that handles (or, in a draft, will handle) the case: a
    draft's case still names the province template until submission routes it."""
    item = case.item
    if case.status is CaseStatus.DRAFT:
        with contextlib.suppress(Problem):
            item = routing.route(
                session, item, application.region_code, application.home_region_code
            ).item
    return setting_for(session, item)


def open_slots(
    session: Session, setting: VisitSetting, start: date, days: int, calendar: WorkCalendar
) -> int:
    """Cut the slots of the next `days` working days from `start` that do not exist yet."""
    existing = set(
        session.scalars(select(VisitSlot.starts_at).where(VisitSlot.setting_id == setting.id))
    )
    existing = {moment.astimezone(UTC) for moment in existing}
    step = timedelta(minutes=setting.slot_minutes)
    added, day = 0, start
    for _ in range(days):
        while not calendar.is_workday(day):
            day += timedelta(days=1)
        for opens, closes in HOURS:
            moment = datetime.combine(day, opens, tzinfo=CHINA_TZ)
            end = datetime.combine(day, closes, tzinfo=CHINA_TZ)
            while moment + step <= end:
                if moment.astimezone(UTC) not in existing:
                    session.add(
                        VisitSlot(
                            setting_id=setting.id,
                            starts_at=moment,
                            ends_at=moment + step,
                            capacity=setting.capacity,
                        )
                    )
                    added += 1
                moment += step
        day += timedelta(days=1)
    session.flush()
    return added


def free_slots(session: Session, setting: VisitSetting, limit: int = 60) -> list[VisitSlot]:
    query = (
        select(VisitSlot)
        .where(
            VisitSlot.setting_id == setting.id,
            VisitSlot.starts_at > utcnow(),
            VisitSlot.booked < VisitSlot.capacity,
        )
        .order_by(VisitSlot.starts_at)
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass
class VisitNeed:
    """A case of an application that needs a visit, and its booking if it has one."""

    case: ApplicationCase
    setting: VisitSetting
    appointment: Appointment | None


def needs_of(session: Session, application: Application) -> list[VisitNeed]:
    booked = {a.case_id: a for a in booked_for(session, application)}
    needs = []
    for case in application.cases:
        if case.status in CLOSED_CASES and case.id not in booked:
            continue
        setting = setting_for_case(session, application, case)
        if setting is not None:
            needs.append(VisitNeed(case, setting, booked.get(case.id)))
    return needs


def booked_for(session: Session, application: Application) -> list[Appointment]:
    query = select(Appointment).where(
        Appointment.application_id == application.id,
        Appointment.status == AppointmentStatus.BOOKED,
    )
    return list(session.scalars(query))


def _case_of(application: Application, case_id: int) -> ApplicationCase:
    case = next((c for c in application.cases if c.id == case_id), None)
    if case is None:
        raise NotFound(f"no case {case_id} in application {application.ref}", code="case-not-found")
    if application.status is ApplicationStatus.WITHDRAWN or case.status in CLOSED_CASES:
        raise Conflict("this service is closed: nothing to visit for", code="case-closed")
    return case


def book(
    session: Session, application: Application, case_id: int, slot_id: int, actor: Actor
) -> Appointment:
    """Book a slot for one case: refused if the case has a booking already (409
    already-booked) or the slot is full (409 slot-full), even when requests race."""
    case = _case_of(application, case_id)
    setting = setting_for_case(session, application, case)
    if setting is None:
        raise Invalid("this service needs no visit", code="no-visit-needed")
    slot = session.get(VisitSlot, slot_id)
    if slot is None or slot.setting_id != setting.id:
        raise NotFound(f"no slot {slot_id} for this service", code="slot-not-found")
    if slot.starts_at <= utcnow():
        raise Invalid("this time has passed: choose a later one", code="slot-passed")
    already = _active(session, case.id)
    if already is not None:
        raise _double_booking(already)
    appointment = Appointment(
        code=secrets.token_hex(4).upper(),
        application_id=application.id,
        case_id=case.id,
        slot_id=slot.id,
        active_key=f"case:{case.id}",
    )
    try:
        # One savepoint: a refusal leaves neither the count raised nor a row behind.
        with session.begin_nested():
            taken = session.execute(
                update(VisitSlot)
                .where(VisitSlot.id == slot.id, VisitSlot.booked < VisitSlot.capacity)
                .values(booked=VisitSlot.booked + 1)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict("this time is fully booked: choose another", code="slot-full")
            session.add(appointment)
            session.flush()
    except IntegrityError:
        # another request booked it a moment ago
        raise Conflict(ALREADY_BOOKED, code="already-booked") from None
    session.refresh(slot)
    _record(session, "visits.book", actor, appointment, application, case)
    return appointment


def _active(session: Session, case_id: int) -> Appointment | None:
    return session.scalar(select(Appointment).where(Appointment.active_key == f"case:{case_id}"))


def _double_booking(existing: Appointment) -> Conflict:
    return Conflict(
        ALREADY_BOOKED,
        code="already-booked",
        appointment=existing.code,
    )


def cancel(session: Session, application: Application, code: str, actor: Actor) -> Appointment:
    appointment = session.scalar(
        select(Appointment).where(
            Appointment.code == code, Appointment.application_id == application.id
        )
    )
    if appointment is None or appointment.status is not AppointmentStatus.BOOKED:
        raise NotFound(f"no booked visit {code}", code="appointment-not-found")
    if appointment.slot.starts_at <= utcnow():
        raise Conflict("this visit has already begun", code="visit-passed")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.active_key = None
    appointment.cancelled_at = utcnow()
    session.execute(
        update(VisitSlot)
        .where(VisitSlot.id == appointment.slot_id, VisitSlot.booked > 0)
        .values(booked=VisitSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )
    _record(session, "visits.cancel", actor, appointment, application, appointment.case)
    return appointment


def _record(
    session: Session,
    action: str,
    actor: Actor,
    appointment: Appointment,
    application: Application,
    case: ApplicationCase,
) -> None:
    session.flush()
    when = appointment.slot.starts_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    kind = "Visit booked" if action == "visits.book" else "Visit cancelled"
    add_event(session, application, kind, actor.label, f"{when} {appointment.code}", case)
    audit.record(
        session,
        audit.Event(
            action,
            actor,
            "visit_appointment",
            appointment.code,
            subject_id_number=application.applicant_code,
            detail={"application": application.ref, "slot": appointment.slot_id},
        ),
    )


def day_bookings(
    session: Session, departments: Sequence[int] | None, day: date
) -> list[Appointment]:
    """The booked visits of one day (China time) at the offices of these departments."""
    start = datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ)
    query = (
        select(Appointment)
        .join(VisitSlot, Appointment.slot_id == VisitSlot.id)
        .join(VisitSetting, VisitSlot.setting_id == VisitSetting.id)
        .join(VisitOffice, VisitSetting.office_id == VisitOffice.id)
        .where(
            Appointment.status == AppointmentStatus.BOOKED,
            VisitSlot.starts_at >= start,
            VisitSlot.starts_at < start + timedelta(days=1),
        )
        .order_by(VisitSlot.starts_at, Appointment.id)
    )
    return list(session.scalars(catalog.within(query, VisitOffice.department_id, departments)))
