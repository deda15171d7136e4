"""The appeal workflow: dispatch, accept or return, notes, reply, rating, reopening,
duplicates, reminders and escalation, and the audit trail of every step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onceonly.appeals import queries, service
from onceonly.appeals.models import Appeal
from onceonly.appeals.workflow import deadlines, ratings, routing
from onceonly.audit.models import AuditEntry
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Forbidden, Invalid, NotFound
from onceonly.identity.models import Person

from .conftest import city_department, staff_actor

DESK = Actor("user", "desk", "hotline desk")


def _person(session) -> Person:  # type: ignore[no-untyped-def]
    return session.scalars(select(Person).order_by(Person.id)).first()


def _submit(session, **kw):  # type: ignore[no-untyped-def]
    person = _person(session)
    data = {
        "category_code": "road-damage",
        "description": "A pothole outside number 12",
        "channel": "portal",
        "address": "湖滨区解放路 12 号",
        "region_code": "330105",
        "person_id": person.id,
        "contact_phone": "13800000000",
    }
    data.update(kw)
    return service.submit(session, service.Intake(**data), Actor("person", str(person.id), "p"))


def test_dispatch_follows_kind_and_region_tree_and_rules(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        road = routing.get_category(session, "road-damage")
        county = routing.resolve_department(session, road, "330105")
        assert county is not None and county.code == "cg-330100"  # county → its city
        assert routing.resolve_department(session, road, "330000").code == "cg"  # type: ignore[union-attr]
        # The online-service kind exists only at the province: fall back up the tree.
        online = routing.get_category(session, "online-service")
        assert routing.resolve_department(session, online, "330211").code == "dsb"  # type: ignore[union-attr]
        # An explicit rule for the city wins over the kind.
        ps = city_department(session, "public_security", "330100")
        routing.add_rule(session, "road-damage", "330100", ps, DESK)
        assert routing.resolve_department(session, road, "330105").id == ps.id  # type: ignore[union-attr]
        assert routing.resolve_department(session, road, "330203").code == "cg-330200"  # type: ignore[union-attr]
        with pytest.raises(NotFound):
            routing.add_rule(session, "road-damage", "999999", ps, DESK)


def test_full_cycle_reply_rate_reopen_once(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        appeal = _submit(session)
        assert appeal.status == "dispatched"
        assert appeal.due_at is not None and appeal.accept_by is not None
        staff = staff_actor(session, "cg.admin")  # the province bureau sees its cities
        other = staff_actor(session, "ps.admin")
        with pytest.raises(Forbidden):
            service.accept(session, appeal, other)
        with pytest.raises(Conflict):
            service.reply(session, appeal, staff, "done")  # not accepted yet
        service.accept(session, appeal, staff)
        assert appeal.first_response_seconds is not None
        service.add_note(session, appeal, staff, "A crew is booked for Tuesday")
        assert appeal.status_notes == "A crew is booked for Tuesday"
        service.add_note(session, appeal, staff, "internal: crew short", public=False)
        assert appeal.status_notes == "A crew is booked for Tuesday"
        service.reply(session, appeal, staff, "The pothole was filled")
        assert appeal.status == "closed" and appeal.on_time is True
        person_id = appeal.person_id
        assert person_id is not None
        with pytest.raises(NotFound):
            ratings.rate(session, appeal, person_id + 1, 5, DESK)  # not the reporter
        with pytest.raises(Invalid):
            ratings.rate(session, appeal, person_id, 6, DESK)
        with pytest.raises(Conflict):
            ratings.reopen(session, appeal, person_id, "still broken", DESK)  # not rated
        ratings.rate(session, appeal, person_id, 2, DESK)
        with pytest.raises(Conflict):
            ratings.rate(session, appeal, person_id, 3, DESK)
        ratings.reopen(session, appeal, person_id, "The hole is back", DESK)
        assert appeal.status == "accepted" and appeal.rating is None and appeal.reopen_count == 1
        service.reply(session, appeal, staff, "Resurfaced the whole lane")
        ratings.rate(session, appeal, person_id, 1, DESK)
        with pytest.raises(Conflict, match="once"):
            ratings.reopen(session, appeal, person_id, "again", DESK)
        kinds = [e.kind for e in queries.timeline(session, appeal, public_only=False)]
        assert kinds == [
            "submitted", "dispatched", "accepted", "note", "note", "reply", "rated",
            "reopened", "reply", "rated",
        ]  # fmt: skip
        public = [e.kind for e in queries.timeline(session, appeal, public_only=True)]
        assert public.count("note") == 1
        actions = set(
            session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.object_type == "appeal", AuditEntry.object_id == str(appeal.id)
                )
            )
        )
        assert {
            "appeal.submitted", "appeal.dispatched", "appeal.accepted", "appeal.note",
            "appeal.reply", "appeal.rated", "appeal.reopened",
        } <= actions  # fmt: skip


def test_return_needs_reason_and_time(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        appeal = _submit(session)
        staff = staff_actor(session, "cg.admin")
        with pytest.raises(Invalid):
            service.return_appeal(session, appeal, staff, "  ")
        service.return_appeal(session, appeal, staff, "Private road, not ours")
        assert appeal.status == "pending" and appeal.department_id is None
        assert appeal in queries.desk_queue(session)
        # The operator overrides the rules and sends it on.
        ps = city_department(session, "public_security", "330100")
        service.override(session, appeal, ps, DESK, "Parking on the road")
        assert appeal.status == "dispatched" and appeal.department_id == ps.id
        appeal.accept_by = utcnow() - timedelta(minutes=1)
        with pytest.raises(Conflict, match="passed"):
            service.return_appeal(session, appeal, staff_actor(session, "ps.admin"), "late")


def test_duplicates_are_merged_and_answered_together(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        first = _submit(session)
        second = _submit(session, description="Same pothole again")
        with pytest.raises(Invalid):
            service.merge(session, first, first, DESK)
        service.merge(session, second, first, DESK)
        assert second.status == "merged" and second.merged_into_id == first.id
        with pytest.raises(Conflict):
            service.merge(session, second, first, DESK)
        staff = staff_actor(session, "cg.admin")
        service.accept(session, first, staff)
        service.reply(session, first, staff, "Filled")
        session.flush()
        assert second.reply == "Filled"


def test_reminders_and_escalation(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        waiting = _submit(session)
        handling = _submit(session, description="Second hole")
        service.accept(session, handling, staff_actor(session, "cg.admin"))
        assert handling.due_at is not None
        soon = handling.due_at - timedelta(hours=2)
        result = deadlines.sweep(session, soon)
        assert handling.id in result.reminded and waiting.id in result.escalated
        again = deadlines.sweep(session, soon)
        assert handling.id not in again.reminded and waiting.id not in again.escalated
        late = deadlines.sweep(session, handling.due_at + timedelta(hours=1))
        assert handling.id in late.escalated
        assert handling in queries.desk_queue(session)
        kinds = [e.kind for e in queries.timeline(session, handling, public_only=False)]
        assert "reminded" in kinds and "escalated" in kinds


def test_bad_intake_is_refused(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        with pytest.raises(Invalid, match="location"):
            _submit(session, address="", region_code=None)
        with pytest.raises(Invalid, match="4000"):
            _submit(session, description="x" * 4001)
        with pytest.raises(Invalid):
            _submit(session, lat=95.0, long=120.0)
        with pytest.raises(NotFound):
            _submit(session, category_code="no-such")
        assert _submit(session, description="y" * 4000, address="", lat=30.1, long=120.2)
        count = session.scalar(select(func.count()).select_from(Appeal))
        assert count and count > 1
