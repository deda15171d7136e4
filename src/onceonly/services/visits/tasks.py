"""Scheduled work of appointments: remind applicants the day before, keep slots open.

Run by the job runner (`ops.schedule`) and by `onceonly visits remind|open-slots`. A
reminder is claimed by a conditional UPDATE of `reminded_at`, so two runners never send
the same one twice.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.calendar import CHINA_TZ, load_calendar
from onceonly.core.db import Database, utcnow
from onceonly.services.casework import notify
from onceonly.services.models import (
    Application,
    ApplicationCase,
    ApplicationStatus,
    CaseStatus,
)
from onceonly.services.visits import service
from onceonly.services.visits.models import (
    Appointment,
    AppointmentStatus,
    VisitSetting,
    VisitSlot,
)

REMINDER = Actor.system("visit reminders")
DAYS_OPEN = 10  # working days of slots kept open ahead


def due_reminders(session: Session) -> list[Appointment]:
    now = utcnow()
    query = (
        select(Appointment)
        .join(VisitSlot, Appointment.slot_id == VisitSlot.id)
        .where(
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.reminded_at.is_(None),
            VisitSlot.starts_at > now,
            VisitSlot.starts_at <= now + service.REMIND_AHEAD,
        )
    )
    return list(session.scalars(query))


def remind(session: Session) -> int:
    """Tell each applicant whose visit is within a day; returns how many were told."""
    sent = 0
    for appointment in due_reminders(session):
        claimed = session.execute(
            update(Appointment)
            .where(Appointment.id == appointment.id, Appointment.reminded_at.is_(None))
            .values(reminded_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another runner took it
        slot = appointment.slot
        when = slot.starts_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        office = slot.setting.office
        notify.to_applicant(
            session,
            appointment.application,
            f"预约提醒：{appointment.case.item.name}",
            f"您预约了 {when} 到 {office.name}（{office.address}）"
            f"办理“{appointment.case.item.name}”，"
            f"预约号 {appointment.code}。如不能前往，请在“我的办件”中取消预约。",
        )
        audit.record(
            session,
            audit.Event(
                "visits.remind",
                REMINDER,
                "visit_appointment",
                appointment.code,
                subject_id_number=appointment.application.applicant_code,
            ),
        )
        sent += 1
    return sent


def release_closed(session: Session) -> int:
    """Cancel the bookings of cases withdrawn or rejected since, freeing their places
    (the applicant's withdrawal does not know about visits; this job does)."""
    query = (
        select(Appointment)
        .join(ApplicationCase, Appointment.case_id == ApplicationCase.id)
        .join(Application, Appointment.application_id == Application.id)
        .join(VisitSlot, Appointment.slot_id == VisitSlot.id)
        .where(
            Appointment.status == AppointmentStatus.BOOKED,
            or_(
                ApplicationCase.status.in_((CaseStatus.WITHDRAWN, CaseStatus.REJECTED)),
                Application.status == ApplicationStatus.WITHDRAWN,  # a draft's cases stay
            ),
            VisitSlot.starts_at > utcnow(),
        )
    )
    released = list(session.scalars(query))
    for appointment in released:
        service.cancel(session, appointment.application, appointment.code, REMINDER)
    return len(released)


def run_reminders(db: Database) -> tuple[int, int]:
    """Free the places of closed cases, then remind; (released, reminded)."""
    with db.session() as session:
        released = release_closed(session)
        return released, remind(session)


def keep_slots_open(db: Database, days: int = DAYS_OPEN) -> int:
    """Cut the missing slots of the next `days` working days for every setting."""
    with db.session() as session:
        calendar = load_calendar(session)
        start = utcnow().astimezone(CHINA_TZ).date() + timedelta(days=1)
        return sum(
            service.open_slots(session, setting, start, days, calendar)
            for setting in session.scalars(select(VisitSetting))
        )
