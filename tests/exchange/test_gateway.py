"""The gateway over HTTP (TestClient): success, masking, paging, and every failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.audit.service import subject_ref
from onceonly.core.db import utcnow
from onceonly.exchange.gateway import ratelimit
from onceonly.exchange.models import ExchangeCall
from onceonly.identity.models import Client
from onceonly.identity.validators import mask_citizen_id
from onceonly.sharing.models import Grant

URL = "/api/v1/exchange/t.residents/query"


def ask(demo_client, gateway, key=None, **body):  # type: ignore[no-untyped-def]
    body.setdefault("purpose", "benefit check")
    return demo_client.post(URL, json=body, headers=gateway.headers(key))


def test_keyed_lookup_masks_personal_fields(demo_client, gateway, demo_db) -> None:  # type: ignore[no-untyped-def]
    person = gateway.people[0]
    response = ask(demo_client, gateway, subject_key=person["id_number"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fields"] == [
        "id_number",
        "name",
        "gender",
        "household_no",
        "division_code",
        "address",
    ]
    [row] = body["rows"]
    assert row["id_number"] == mask_citizen_id(person["id_number"])
    assert row["id_number"][6:14] == "********"
    assert row["name"] == person["name"][0] + "*" * (len(person["name"]) - 1)
    assert row["gender"] in ("M", "F")  # a clear field
    assert row["division_code"] == person["division_code"]  # public
    assert set(body["masked"]) == {"id_number", "name", "address"}
    with demo_db.session() as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "exchange.query", AuditEntry.object_id == "t.residents"
            )
        ).one()
        assert entry.subject_ref == subject_ref(person["id_number"])
        assert entry.purpose == "benefit check"
        assert entry.actor_label == gateway.client_code
        call = session.scalars(
            select(ExchangeCall).where(ExchangeCall.resource_code == "t.residents")
        ).one()
        assert call.status == 200 and call.rows == 1


def test_clear_fields_answer_unmasked(demo_client, gateway, demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        grant = session.get(Grant, gateway.grant_id)
        grant.clear_fields = ["id_number", "name"]
    person = gateway.people[0]
    body = ask(
        demo_client, gateway, subject_key=person["id_number"], fields=["id_number", "name"]
    ).json()
    assert body["rows"] == [{"id_number": person["id_number"], "name": person["name"]}]
    assert body["masked"] == []


def test_filters_and_cursor_pagination(demo_client, gateway) -> None:  # type: ignore[no-untyped-def]
    household = gateway.people[0]["household_no"]
    division = gateway.people[0]["division_code"]
    seen: list[str] = []
    cursor = None

    def households(page_size: int, cursor: str | None = None):  # type: ignore[no-untyped-def]
        """One page of the household numbers in the first person's division."""
        filters = {"division_code": division}
        return ask(
            demo_client, gateway, filters=filters, fields=["household_no"],
            page_size=page_size, cursor=cursor,
        ).json()  # fmt: skip

    for _ in range(500):
        body = households(7, cursor)
        assert len(body["rows"]) <= 7
        seen += [r["household_no"] for r in body["rows"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert household in seen and len(seen) > 7
    # the same query, one page of everything, gives the same rows in the same order
    whole = households(500)
    assert [r["household_no"] for r in whole["rows"]] == seen
    # a cursor belongs to its query
    first = ask(demo_client, gateway, filters={"division_code": division}, page_size=2).json()
    other = ask(
        demo_client, gateway, filters={"household_no": household}, cursor=first["next_cursor"]
    )
    assert other.status_code == 422


def test_unknown_resource_is_404(demo_client, gateway) -> None:  # type: ignore[no-untyped-def]
    response = demo_client.post(
        "/api/v1/exchange/no.such/query", json={"purpose": "x" * 5}, headers=gateway.headers()
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_missing_or_bad_key_is_401(demo_client, gateway) -> None:  # type: ignore[no-untyped-def]
    assert demo_client.post(URL, json={"purpose": "check"}).status_code == 401
    assert ask(demo_client, gateway, key="oo_nope_nope").status_code == 401


def test_no_grant_is_403_naming_it(demo_client, gateway) -> None:  # type: ignore[no-untyped-def]
    response = ask(
        demo_client, gateway, key=gateway.other_key, subject_key=gateway.people[0]["id_number"]
    )
    assert response.status_code == 403
    body = response.json()
    assert body["missing"] == "grant" and body["type"].endswith("no-grant")
    assert "hrss-other" in body["detail"] and "t.residents" in body["detail"]


def test_revoked_and_expired_grants_stop_at_once(demo_client, gateway, demo_db) -> None:  # type: ignore[no-untyped-def]
    key = gateway.people[0]["id_number"]
    assert ask(demo_client, gateway, subject_key=key).status_code == 200
    with demo_db.session() as session:
        session.get(Grant, gateway.grant_id).expires_at = utcnow() - timedelta(seconds=1)
    response = ask(demo_client, gateway, subject_key=key)
    assert response.status_code == 403 and response.json()["type"].endswith("grant-expired")
    with demo_db.session() as session:
        grant = session.get(Grant, gateway.grant_id)
        grant.expires_at = None
        grant.revoked_at, grant.revoke_reason = utcnow(), "purpose ended"
    response = ask(demo_client, gateway, subject_key=key)
    assert response.status_code == 403
    assert response.json()["type"].endswith("grant-revoked")
    assert "purpose ended" in response.json()["detail"]


def test_fields_outside_grant_are_403_naming_them(demo_client, gateway) -> None:  # type: ignore[no-untyped-def]
    key = gateway.people[0]["id_number"]
    response = ask(demo_client, gateway, subject_key=key, fields=["name", "birth_date", "status"])
    assert response.status_code == 403
    assert response.json()["names"] == ["birth_date", "status"]
    assert "birth_date" in response.json()["detail"]
    response = ask(demo_client, gateway, subject_key=key, filters={"status": "active"})
    assert response.status_code == 403 and response.json()["names"] == ["status"]
    response = ask(demo_client, gateway, subject_key=key, fields=["salary"])
    assert response.status_code == 422 and "salary" in response.json()["detail"]


def test_bad_subject_key_is_422(demo_client, gateway) -> None:  # type: ignore[no-untyped-def]
    good = gateway.people[0]["id_number"]
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    for bad in (wrong_check, "12345", "' OR '1'='1"):
        response = ask(demo_client, gateway, subject_key=bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"].startswith("subject_key")


def test_personal_data_is_not_listed_in_bulk(demo_client, gateway) -> None:  # type: ignore[no-untyped-def]
    assert ask(demo_client, gateway).status_code == 422


def test_hostile_filter_values_are_data(demo_client, gateway, demo_db) -> None:  # type: ignore[no-untyped-def]
    for hostile in ("' OR '1'='1", "x'; DROP TABLE residents; --", "%", "1) OR (1=1", '" OR ""="'):
        response = ask(demo_client, gateway, filters={"household_no": hostile})
        assert response.status_code == 200, response.text
        assert response.json()["rows"] == []
    # the source is still there and answers
    key = gateway.people[0]["id_number"]
    assert len(ask(demo_client, gateway, subject_key=key).json()["rows"]) == 1


def test_rate_limit_answers_429(demo_client, gateway, demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        session.get(Grant, gateway.grant_id).rate_limit_per_minute = 3
    key = gateway.people[0]["id_number"]
    minute = ratelimit.current_minute()
    statuses = [ask(demo_client, gateway, subject_key=key).status_code for _ in range(5)]
    if ratelimit.current_minute() != minute:
        pytest.skip("the rate-limit minute rolled over during the calls; the window restarted")
    assert statuses[:3] == [200, 200, 200]
    if statuses[:3] == [200, 200, 200]:
        assert statuses[3] == 429
        response = ask(demo_client, gateway, subject_key=key)
        assert response.json()["limit"] == 3 and response.json()["retry_after"] >= 0
    with demo_db.session() as session:
        codes = session.scalars(select(ExchangeCall.status)).all()
        assert 429 in codes or statuses[3] == 200


def test_revoked_client_stops_at_once_though_its_key_is_remembered(  # type: ignore[no-untyped-def]
    demo_client, gateway, demo_db
) -> None:
    key = gateway.people[0]["id_number"]
    assert ask(demo_client, gateway, subject_key=key).status_code == 200  # key now cached
    with demo_db.session() as session:
        client = session.scalar(select(Client).where(Client.code == gateway.client_code))
        client.revoked_at = utcnow()
    response = ask(demo_client, gateway, subject_key=key)
    assert response.status_code == 401
    assert response.json()["type"].endswith("revoked-api-key")
    assert "rows" not in response.json()
