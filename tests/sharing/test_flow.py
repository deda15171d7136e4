"""Request → review → grant, on both backends: reduced fields, rejection, overdue, revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.core.db import utcnow
from onceonly.core.errors import Forbidden, Invalid
from onceonly.identity import service as identity
from onceonly.sharing import service
from onceonly.sharing.models import AccessRequest, RequestStatus
from onceonly.sharing.schemas import DecisionIn, RequestIn
from tests.exchange.conftest import source_people
from tests.sharing.conftest import user

FIELDS = ["id_number", "name", "address"]


def ask(session, resource="t.residents", fields=FIELDS, client="hrss-benefits"):  # type: ignore[no-untyped-def]
    spec = RequestIn(
        resource_code=resource,
        client_code=client,
        fields=fields,
        purpose="check pension eligibility",
        legal_basis="Social Insurance Law art. 16",
        duration_days=30,
        expected_volume=200,
    )
    return service.submit_request(session, spec, user(session, "hrss.admin"))


def test_conditional_request_waits_for_review_then_grants_fewer_fields(demo_db, setup) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        request = ask(session)
        assert request.status is RequestStatus.PENDING and request.grant_id is None
        assert request.due_at > request.submitted_at + timedelta(days=4)
        request_id = request.id
    with demo_db.session() as session:
        request = service.get_request(session, request_id)
        with pytest.raises(Forbidden):  # a consumer cannot approve its own request
            service.decide(session, request, DecisionIn(approve=True), user(session, "hrss.admin"))
    with demo_db.session() as session:
        request = service.get_request(session, request_id)
        reviewer = user(session, "ps.reviewer")
        queue = service.review_queue(session, reviewer.department_id)
        assert [r.id for r in queue if r.resource.code.startswith("t.")] == [request_id]
        with pytest.raises(Invalid):  # cannot approve what was not asked for
            service.decide(session, request, DecisionIn(approve=True, fields=["status"]), reviewer)
    with demo_db.session() as session:
        request = service.get_request(session, request_id)
        service.decide(
            session,
            request,
            DecisionIn(approve=True, fields=["id_number", "name"]),
            user(session, "ps.reviewer"),
        )
        assert request.status is RequestStatus.APPROVED
        client = identity.client_by_code(session, "hrss-benefits")
        grant = service.active_grant(session, client.id, request.resource_id)
        assert grant is not None and grant.fields == ["id_number", "name"]
        assert grant.expires_at is not None
        assert grant.expires_at - request.decided_at == timedelta(days=30)
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert "sharing.request.submitted" in actions and "sharing.request.approved" in actions
        assert request not in service.review_queue(session, request.provider_id)


def test_rejection_needs_a_reason(demo_db, setup) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        request_id = ask(session).id
    with pytest.raises(Invalid), demo_db.session() as session:
        service.decide(
            session,
            service.get_request(session, request_id),
            DecisionIn(approve=False),
            user(session, "ps.reviewer"),
        )
    with demo_db.session() as session:
        request = service.get_request(session, request_id)
        service.decide(
            session,
            request,
            DecisionIn(approve=False, reason="no legal basis shown"),
            user(session, "ps.reviewer"),
        )
        assert request.status is RequestStatus.REJECTED and request.grant_id is None
        assert request.reason == "no legal basis shown"
        with pytest.raises(Invalid):  # decided once
            service.decide(session, request, DecisionIn(approve=True), user(session, "ps.reviewer"))


def test_unconditional_is_granted_at_once_and_recorded(demo_db, setup) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        request = ask(session, "t.companies", ["credit_code", "name"])
        assert request.status is RequestStatus.APPROVED and request.grant_id is not None
        assert session.get(AccessRequest, request.id).decided_by.startswith("automatic")


def test_not_shared_cannot_be_requested(demo_db, setup) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden) as caught, demo_db.session() as session:
        ask(session, "t.secret")
    assert caught.value.code == "not-shared" and "State secrets law" in caught.value.detail


def test_unknown_fields_and_foreign_clients_are_refused(demo_db, setup) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid), demo_db.session() as session:
        ask(session, fields=["salary"])
    with demo_db.session() as session:
        ps = identity.department_by_code(session, "ps")
        identity.create_client(
            session,
            code="ps-own",
            name="PS",
            department=ps,
            scopes=[],
            by=identity.actor_for_user(user(session, "ps.admin")),
        )
    with pytest.raises(Forbidden), demo_db.session() as session:
        ask(session, client="ps-own")


def test_overdue_requests_are_flagged(demo_db, setup) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        late, on_time = ask(session), ask(session)
        late.due_at = utcnow() - timedelta(hours=1)
        late_id, on_time_id = late.id, on_time.id
    with demo_db.session() as session:
        # the demo's own overdue requests aside
        overdue = [r for r in service.overdue_requests(session) if r.resource.code.startswith("t.")]
        assert [r.id for r in overdue] == [late_id]
        assert overdue[0].consumer.code == "hrss" and overdue[0].provider.code == "ps"
        assert service.request_out(overdue[0]).overdue
        far = (utcnow() + timedelta(days=30)).date()
        later = {r.id for r in service.overdue_requests(session, today=far)}
        assert {late_id, on_time_id} <= later


def test_revoke_and_expiry_stop_the_gateway_at_once(
    demo_client, demo_db, demo_settings, setup
) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        request_id = ask(session).id
    with demo_db.session() as session:
        service.decide(
            session,
            service.get_request(session, request_id),
            DecisionIn(approve=True),
            user(session, "ps.reviewer"),
        )
        grant_id = service.get_request(session, request_id).grant_id
    person = source_people(demo_settings, 1)[0]
    url = "/api/v1/exchange/t.residents/query"
    headers = {"authorization": f"Bearer {setup.api_key}"}
    body = {"subject_key": person["id_number"], "purpose": "pension"}
    assert demo_client.post(url, json=body, headers=headers).status_code == 200
    with demo_db.session() as session:
        grant = service.get_grant(session, grant_id)
        with pytest.raises(Forbidden):  # the consumer's reviewer-less staff cannot
            service.revoke(session, grant, user(session, "hrss.steward"), "done")
        service.revoke(session, grant, user(session, "ps.reviewer"), "purpose fulfilled")
    response = demo_client.post(url, json=body, headers=headers)
    assert response.status_code == 403 and "purpose fulfilled" in response.json()["detail"]
