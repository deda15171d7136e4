"""Open on application: apply, decide within working days, deliver, list publicly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.core.deps import Citizen
from onceonly.core.errors import Conflict, Forbidden, Invalid, NotFound
from onceonly.identity.models import Person
from onceonly.opendata.models import ApplicationStatus
from onceonly.opendata.requests import applications
from onceonly.opendata.schemas import ApplicationIn, DecisionIn

from .conftest import OpenFixture, staff


def _citizen(session) -> Citizen:
    person = session.scalars(select(Person).order_by(Person.id)).first()
    return Citizen(person_id=person.id, id_number=person.id_number, name=person.name)


def _spec(**extra: object) -> ApplicationIn:
    today = date.today()
    data: dict[str, object] = {
        "purpose": "Research on clinic capacity for a master's thesis",
        "fields": ["clinic", "visits"],
        "period_from": today,
        "period_to": today + timedelta(days=90),
    }
    data.update(extra)
    return ApplicationIn.model_validate(data)


def test_apply_and_approve_delivers_only_the_approved_fields(
    opendata: OpenFixture, od_client: TestClient
) -> None:
    with opendata.db.session() as session:
        application = applications.apply(session, opendata.visits, _citizen(session), _spec())
        assert application.status is ApplicationStatus.PENDING
        # Ten working days: never earlier than two calendar weeks minus a weekend.
        assert application.due_at - application.submitted_at >= timedelta(days=11)
        app_id = application.id
    with opendata.db.session() as session, pytest.raises(Forbidden):  # another department
        applications.decide(
            session, app_id, staff(session, "amr.reviewer"), DecisionIn(approve=True)
        )
    with opendata.db.session() as session:
        decided = applications.decide(
            session, app_id, staff(session, "health.reviewer"), DecisionIn(approve=True)
        )
        secret = applications.delivered_secret(decided)
        assert secret and decided.token_expires_at is not None
    with opendata.db.session() as session, pytest.raises(Conflict):
        applications.decide(
            session,
            app_id,
            staff(session, "health.reviewer"),
            DecisionIn(approve=False, reason="x"),
        )

    rows = od_client.get(
        "/api/opendata/delivery/rows", headers={"Authorization": f"Bearer {secret}"}
    ).json()
    assert rows["fields"] == ["_id", "clinic", "visits"] and rows["total"] == 60
    assert (len(rows["items"]), rows["limit"], rows["offset"], rows["next"]) == (60, 100, 0, None)
    download = od_client.get(f"/opendata/delivery/{secret}/data.csv")
    assert download.status_code == 200
    assert (
        download.text.splitlines()[0] == "clinic,visits" and len(download.text.splitlines()) == 61
    )
    assert (
        od_client.get(
            "/api/opendata/delivery/rows", headers={"Authorization": "Bearer oo_badbadba_x"}
        ).status_code
        == 404
    )
    with opendata.db.session() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == str(app_id))
        ).all()
    assert (
        actions.count("opendata.delivery.accessed") == 2
        and "opendata.application.approved" in actions
    )


def test_expired_delivery_is_refused(opendata: OpenFixture, od_client: TestClient) -> None:
    with opendata.db.session() as session:
        application = applications.apply(session, opendata.visits, _citizen(session), _spec())
        decided = applications.decide(
            session, application.id, staff(session, "health.admin"), DecisionIn(approve=True)
        )
        decided.token_expires_at = datetime.now(UTC) - timedelta(minutes=1)
        secret = applications.delivered_secret(decided)
    response = od_client.get(
        f"/opendata/delivery/{secret}/data.csv", headers={"accept": "application/json"}
    )
    assert response.status_code == 403


def test_refusal_needs_a_reason_and_bad_applications_are_refused(opendata: OpenFixture) -> None:
    with opendata.db.session() as session:
        citizen = _citizen(session)
        with pytest.raises(Conflict):
            applications.apply(session, opendata.shops, citizen, _spec())  # open to all already
        with pytest.raises(Invalid) as bad:
            applications.apply(
                session,
                opendata.visits,
                citizen,
                _spec(fields=["secret"], period_to=date.today() - timedelta(days=1)),
            )
        assert {e["field"] for e in bad.value.extra["errors"]} == {"fields", "period_to"}
        with pytest.raises(NotFound):
            applications.apply(session, "nope", citizen, _spec())
        application = applications.apply(session, opendata.visits, citizen, _spec())
        with pytest.raises(Invalid):
            applications.decide(
                session,
                application.id,
                staff(session, "health.reviewer"),
                DecisionIn(approve=False),
            )
        refused = applications.decide(
            session,
            application.id,
            staff(session, "health.reviewer"),
            DecisionIn(approve=False, reason="The data holds internal clinic codes."),
        )
        assert (
            refused.status is ApplicationStatus.REFUSED
            and applications.delivered_secret(refused) is None
        )


def test_overdue_and_the_public_list_hide_the_applicant(
    opendata: OpenFixture, od_client: TestClient
) -> None:
    with opendata.db.session() as session:
        citizen = _citizen(session)
        late = applications.apply(session, opendata.visits, citizen, _spec())
        late.submitted_at -= timedelta(days=30)
        late.due_at -= timedelta(days=30)
        applications.apply(session, opendata.visits, citizen, _spec())
        session.flush()
        overdue = applications.overdue(session)
        assert [a.id for a in overdue] == [late.id]
        assert applications.overdue(session, today=late.due_at.date() - timedelta(days=1)) == []
        name = citizen.name
    listed = od_client.get("/api/opendata/applications").json()
    assert {a["overdue"] for a in listed} == {True, False}
    assert all(
        set(a)
        == {
            "id",
            "dataset_code",
            "department_code",
            "status",
            "submitted_at",
            "due_at",
            "decided_at",
            "overdue",
            "reason",
        }
        for a in listed
    )
    page = od_client.get("/opendata/applications")
    assert page.status_code == 200 and name not in page.text and "test.visits" in page.text
