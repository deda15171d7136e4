"""Appointments and posted results at the service layer: booking, a double booking, a
full slot, cancelling, the reminder job, the clerk's day; concurrency on the slot's
capacity; posting with the address from the household register."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from onceonly.audit.models import AuditEntry
from onceonly.core.calendar import CHINA_TZ
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound, Problem
from onceonly.services.applications import applications, starting
from onceonly.services.casework import review
from onceonly.services.models import Notification
from onceonly.services.visits import posting, service, tasks
from onceonly.services.visits.models import Appointment, PostingState, VisitSlot
from tests.services.test_applications import (  # noqa: F401 (autouse fixture)
    _remember_settings,
    applicant,
    demo_settings_of,
    featured,
    staff,
    submit_complete,
)
from tests.services.trips_helpers import item_code, start_id_card

ACTOR = starting.PORTAL_ACTOR


def _first_slot(session, application, capacity: int = 1) -> VisitSlot:  # type: ignore[no-untyped-def]
    need = service.needs_of(session, application)[0]
    slot = service.free_slots(session, need.setting)[0]
    session.execute(update(VisitSlot).where(VisitSlot.id == slot.id).values(capacity=capacity))
    session.refresh(slot)
    return slot


def test_book_refuse_twice_and_when_full_then_cancel(demo_db) -> None:  # type: ignore[no-untyped-def]
    settings = demo_settings_of(demo_db)
    with demo_db.session() as session:
        first = start_id_card(session, settings)
        second = start_id_card(session, settings)
        needs = service.needs_of(session, first)
        assert len(needs) == 1 and needs[0].appointment is None
        slot = _first_slot(session, first, capacity=1)
        case_id = first.cases[0].id
        booked = service.book(session, first, case_id, slot.id, ACTOR)
        assert slot.booked == 1 and booked.active_key == f"case:{case_id}"
        with pytest.raises(Conflict) as twice:
            service.book(session, first, case_id, slot.id, ACTOR)
        assert twice.value.code == "already-booked"
        with pytest.raises(Conflict) as full:
            service.book(session, second, second.cases[0].id, slot.id, ACTOR)
        assert full.value.code == "slot-full"
        service.cancel(session, first, booked.code, ACTOR)
        session.refresh(slot)
        assert slot.booked == 0
        again = service.book(session, second, second.cases[0].id, slot.id, ACTOR)
        assert again.slot_id == slot.id
        kinds = [e.kind for e in applications.timeline(session, first)]
        assert "Visit booked" in kinds and "Visit cancelled" in kinds
        _bad_bookings_are_refused(session, settings, first, case_id, slot)


def _bad_bookings_are_refused(session, settings, application, case_id, slot) -> None:  # type: ignore[no-untyped-def]
    """The first booking was cancelled: its case is free, so only the refusals count."""
    cases = [
        (case_id, 2**31 - 1, NotFound, "slot-not-found"),
        (2**31 - 1, slot.id, NotFound, "case-not-found"),
    ]
    for case, slot_id, kind, code in cases:
        with pytest.raises(kind) as refused:
            service.book(session, application, case, slot_id, ACTOR)
        assert refused.value.code == code
    slot.starts_at = utcnow() - timedelta(hours=1)
    session.flush()
    with pytest.raises(Invalid) as passed:
        service.book(session, application, case_id, slot.id, ACTOR)
    assert passed.value.code == "slot-passed"
    mother = featured(session, "new mother")
    baby = starting.start(
        session, applicant(mother), bundle_code="having-a-baby", settings=settings, again=True
    )
    with pytest.raises(Invalid) as no_visit:
        service.book(session, baby, baby.cases[0].id, slot.id, ACTOR)
    assert no_visit.value.code == "no-visit-needed"
    with pytest.raises(NotFound):
        service.cancel(session, application, "NOPE", ACTOR)


def test_reminder_once_the_clerks_day_and_freed_places(demo_db) -> None:  # type: ignore[no-untyped-def]
    settings = demo_settings_of(demo_db)
    with demo_db.session() as session:
        application = start_id_card(session, settings)
        slot = _first_slot(session, application, capacity=3)
        booked = service.book(session, application, application.cases[0].id, slot.id, ACTOR)
        slot.starts_at = utcnow() + timedelta(hours=3)
        slot.ends_at = slot.starts_at + timedelta(minutes=30)
        code, day = booked.code, slot.starts_at.astimezone(CHINA_TZ).date()
    assert tasks.run_reminders(demo_db) == (0, 1)
    assert tasks.run_reminders(demo_db) == (0, 0)  # each is reminded once
    with demo_db.session() as session:
        told = session.scalars(select(Notification).where(Notification.subject.like("预约提醒%")))
        assert [n for n in told if code in n.body]
        clerk = staff(session, "ps.reviewer")
        day_list = service.day_bookings(session, review.departments_of(session, clerk), day)
        assert code in {a.code for a in day_list}
        other = staff(session, "ca.reviewer")
        assert code not in {
            a.code
            for a in service.day_bookings(session, review.departments_of(session, other), day)
        }
        # A booking of an application withdrawn since: the same job frees its place.
        withdrawn = start_id_card(session, settings)
        slot = _first_slot(session, withdrawn, capacity=2)  # the one booked above
        service.book(session, withdrawn, withdrawn.cases[0].id, slot.id, ACTOR)
        assert slot.booked == 2
        applications.withdraw(session, withdrawn, "")
        slot_id = slot.id
    assert tasks.run_reminders(demo_db) == (1, 0)
    with demo_db.session() as session:
        stored = session.get(VisitSlot, slot_id)
        assert stored is not None and stored.booked == 1  # the first booking stays


def test_capacity_holds_when_bookings_race(demo_db) -> None:  # type: ignore[no-untyped-def]
    """Six applicants race for a slot of two, each on its own connection (as separate
    app processes would be): exactly two get it, and the count never passes capacity."""
    settings = demo_settings_of(demo_db)
    with demo_db.session() as session:
        apps = [start_id_card(session, settings) for _ in range(6)]
        slot = _first_slot(session, apps[0], capacity=2)
        wanted = [(a.ref, a.cases[0].id) for a in apps]
        slot_id = slot.id
    outcomes: list[str] = []
    barrier = threading.Barrier(len(wanted))

    def race(ref: str, case_id: int) -> None:
        racer = Database(demo_db.url)
        barrier.wait()
        try:
            with racer.session() as session:
                application = applications.get_application(session, ref)
                service.book(session, application, case_id, slot_id, ACTOR)
            outcomes.append("booked")
        except Problem as problem:
            outcomes.append(str(problem.code))
        finally:
            racer.dispose()

    threads = [threading.Thread(target=race, args=w) for w in wanted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["booked"] * 2 + ["slot-full"] * 4, outcomes
    with demo_db.session() as session:
        stored = session.get(VisitSlot, slot_id)
        assert stored is not None and stored.booked == 2
        count = len(
            list(session.scalars(select(Appointment).where(Appointment.slot_id == slot_id)))
        )
        assert count == 2


def test_result_posted_to_the_registered_address(demo_db) -> None:  # type: ignore[no-untyped-def]
    settings = demo_settings_of(demo_db)
    with demo_db.session() as session:
        application = start_id_card(session, settings)
        found = posting.request_posting(session, application, ACTOR, settings)
        assert found.address and found.address_source == "ps.residents"
        fetched = session.scalars(
            select(AuditEntry).where(AuditEntry.purpose.like("邮寄送达%"))
        ).all()
        assert fetched, "the address look-up is logged with its purpose"
        with pytest.raises(Conflict):
            posting.request_posting(session, application, ACTOR, settings)
        clerk = staff(session, "ps.reviewer")
        with pytest.raises(Invalid) as bad:
            posting.mark_posted(session, found, ACTOR, "EMS", "12-34")
        assert bad.value.code == "bad-tracking-number"
        with pytest.raises(Conflict):
            posting.mark_delivered(session, found, ACTOR)
        posting.mark_posted(session, found, ACTOR, "中国邮政EMS", "em123456789cn")
        assert found.state is PostingState.POSTED and found.tracking_no == "EM123456789CN"
        posting.mark_delivered(session, found, ACTOR)
        assert found.state is PostingState.DELIVERED
        assert found not in posting.postings_for(session, review.departments_of(session, clerk))


def test_a_draft_books_at_the_office_that_will_handle_it(demo_db) -> None:  # type: ignore[no-untyped-def]
    """A draft's case names the province template; the visit is at the office of the
    implementation that submission routes it to (a city's, for an ID card renewal)."""
    settings = demo_settings_of(demo_db)
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        application = starting.start(
            session,
            applicant(mother),
            item_code=item_code(session, "ps", 3),
            settings=settings,
            again=True,
        )
        need = service.needs_of(session, application)[0]
        slot = service.free_slots(session, need.setting)[0]
        service.book(session, application, need.case.id, slot.id, ACTOR)
        submit_complete(session, application)
        case = application.cases[0]
        assert case.item.template_id is not None  # a city's implementation handles it
        assert need.setting.item_id == case.item_id
        assert need.setting.office.department_id == case.department_id
        after = service.needs_of(session, application)[0]
        assert after.appointment is not None and after.setting.id == need.setting.id
