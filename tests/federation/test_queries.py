"""Signed queries between two running provinces: the answer, both audit logs, the
citizen's tracker on her home node, and every refusal the issue names."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import OKPKey
from sqlalchemy import select

from onceonly.audit import tracker
from onceonly.audit.models import AuditEntry
from onceonly.audit.service import subject_ref
from onceonly.core.actors import Actor
from onceonly.core.errors import UpstreamError
from onceonly.demo.crossborder import HUSBAND, WIFE
from onceonly.federation.query import client
from onceonly.federation.query.client import PeerRefused
from onceonly.federation.trust import messages
from onceonly.identity import service as identity
from tests.federation.conftest import PURPOSE, Node, free_port

CLERK = Actor("user", "1", "ca.reviewer")
WIFE_ID = WIFE.person.id_number

# One pair of servers per backend for the whole run: keep these tests on one worker.
pytestmark = pytest.mark.xdist_group("federation")


def _ask(node: Node, resource: str = "ps.residents", purpose: str = PURPOSE, **extra):  # type: ignore[no-untyped-def]
    with node.db.session() as session:
        return client.query(
            session, "CN-340000", resource, subject_key=extra.pop("subject", WIFE_ID),
            purpose=purpose, case_ref="CASE-7", actor=CLERK,
            department=identity.department_by_code(session, "ca"), **extra,
        )  # fmt: skip


def _entries(node: Node, action: str, resource: str) -> list[AuditEntry]:
    with node.db.session() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_id == resource)
        ).all()
        session.expunge_all()
        return list(rows)


def test_a_signed_query_is_answered_signed_and_logged_at_both_ends(nodes: dict[str, Node]) -> None:
    a, b = nodes["A"], nodes["B"]
    answer = _ask(a)
    assert answer.rows == [{
        "id_number": WIFE_ID, "name": "陈思雨", "gender": "F", "birth_date": "1994-09-16",
        "household_no": "340102900001", "division_code": "340102", "address": "江滨路6号",
        "status": "正常",
    }]  # fmt: skip

    # The requesting node keeps both messages; the response verifies with B's keys.
    sent = [e for e in _entries(a, "federation.query.sent", "ps.residents")
            if e.subject_ref == subject_ref(WIFE_ID)]  # fmt: skip
    assert sent and sent[-1].detail["peer_node"] == "CN-340000"
    request, response = sent[-1].detail["request"], sent[-1].detail["response"]
    with a.db.session() as session:
        from onceonly.federation.service import get_peer

        peer_keys = get_peer(session, "CN-340000").jwks
    assert messages.verify(response, peer_keys, messages.RESPONSE)["request_sha256"] == (
        messages.digest(request)
    )

    # The providing node keeps the same two messages, filed under the subject.
    served = [e for e in _entries(b, "federation.query.served", "ps.residents")
              if e.detail["request"] == request]  # fmt: skip
    assert len(served) == 1
    assert served[0].detail["response"] == response
    assert served[0].detail["department"].endswith("民政厅")
    assert served[0].subject_ref == subject_ref(WIFE_ID)
    # One access, one entry: the gateway's record of the read is that same entry.
    assert served[0].detail["grant"] and served[0].detail["purpose_ref"] == "CASE-7"

    # Her home node's tracker shows who asked, from which province, and why.
    with b.db.session() as session:
        seen = tracker.accesses(session, WIFE_ID)
    mine = [s for s in seen if s.action == "federation.query.served"]
    assert mine and mine[0].system == "示范省 (CN-330000)" and mine[0].purpose == PURPOSE
    assert mine[0].purpose_ref == "CASE-7"
    assert not any(s.action == "exchange.query" and s.purpose_ref == "CASE-7" for s in seen)


def test_refusals_no_grant_and_other_purpose(nodes: dict[str, Node]) -> None:
    a = nodes["A"]
    with pytest.raises(PeerRefused) as no_grant:
        _ask(a, "ca.marriages")
    assert no_grant.value.extra["peer_problem"] == "no-grant"
    with pytest.raises(PeerRefused) as other:
        _ask(a, purpose="marketing")
    assert other.value.extra["peer_problem"] == "purpose-not-granted"
    with pytest.raises(PeerRefused) as not_offered:
        _ask(a, "ps.driving_licences")
    assert not_offered.value.extra["peer_problem"] == "not-offered"
    refused = _entries(nodes["B"], "federation.query.refused", "ca.marriages")
    assert refused and refused[-1].detail["problem"] == "no-grant"


def _signed_request(node: Node, **changes: object) -> str:
    with node.db.session() as session:
        peer = client.service.get_peer(session, "CN-340000")
        token, payload = client._request(
            session, peer, "ps.residents", WIFE_ID, PURPOSE, "", None, CLERK, None
        )
        if changes:
            payload.update(changes)
            token = messages.sign(session, messages.REQUEST, payload)
    return token


def _post(node: Node, body: object) -> httpx.Response:
    return httpx.post(node.url + "/api/v1/federation/query", json=body, timeout=10)


def _problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/" + code)


def test_replayed_expired_tampered_unsigned_and_unknown_messages_are_refused(
    nodes: dict[str, Node],
) -> None:
    a, b = nodes["A"], nodes["B"]
    token = _signed_request(a)
    assert _post(b, {"request": token}).status_code == 200
    _problem(_post(b, {"request": token}), 409, "replayed")

    now = int(time.time())
    _problem(_post(b, {"request": _signed_request(a, iat=now - 900, exp=now - 780)}), 401,
             "expired")  # fmt: skip
    _problem(_post(b, {"request": _signed_request(a, aud="CN-990000")}), 401, "wrong-audience")

    header, payload, signature = _signed_request(a).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["resource"] = "ca.marriages"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    _problem(_post(b, {"request": f"{header}.{forged}.{signature}"}), 401, "bad-signature")

    stranger = OKPKey.generate_key("Ed25519")
    body = json.dumps({**claims, "jti": "x" * 20}).encode()
    impostor = jws.serialize_compact({"alg": "Ed25519", "typ": messages.REQUEST}, body, stranger,
                                     algorithms=["Ed25519"])  # fmt: skip
    _problem(_post(b, {"request": impostor}), 401, "bad-signature")
    body = json.dumps({**claims, "iss": "CN-990000"}).encode()
    unknown = jws.serialize_compact({"alg": "Ed25519", "typ": messages.REQUEST}, body, stranger,
                                    algorithms=["Ed25519"])  # fmt: skip
    _problem(_post(b, {"request": unknown}), 401, "unknown-node")

    _problem(_post(b, {}), 401, "unsigned-message")
    _problem(_post(b, {"request": "not a signed message"}), 401, "unsigned-message")
    _problem(_post(b, {"request": base64.urlsafe_b64encode(b'{"alg":"none"}').decode()
                       + "." + forged + "."}), 401, "unsigned-message")  # fmt: skip


def test_a_peer_that_is_down_is_reported_after_retries(nodes: dict[str, Node]) -> None:
    a = nodes["A"]
    with a.db.session() as session:
        peer = client.service.get_peer(session, "CN-340000")
        peer.gateway_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        started = time.perf_counter()
        with pytest.raises(UpstreamError) as down:
            client.query(session, "CN-340000", "ps.residents", subject_key=WIFE_ID,
                         purpose=PURPOSE, actor=CLERK)  # fmt: skip
        assert down.value.code == "peer-down" and "示范二省" in down.value.detail
        assert time.perf_counter() - started >= sum(client.BACKOFF_SECONDS)
        failed = client.service.traffic(session)
        assert any(t.direction == "out" and t.refused >= client.ATTEMPTS for t in failed)
        session.rollback()


def test_the_husbands_province_is_not_asked_for_his_own_data(nodes: dict[str, Node]) -> None:
    """A subject key B does not hold gives an empty, still signed, answer."""
    answer = _ask(nodes["A"], subject=HUSBAND.person.id_number)
    assert answer.rows == [] and answer.response


def test_the_spouse_registered_in_the_other_province_is_fetched_or_explained(
    nodes: dict[str, Node],
) -> None:
    from onceonly.federation.query import spouse

    a = nodes["A"]
    husband = HUSBAND.person.id_number
    with a.db.session() as session:
        found = spouse.spouse_household(session, husband, purpose=PURPOSE, case_ref="APP-1",
                                        actor=CLERK, settings=a.settings())  # fmt: skip
    assert found.spouse_id_number == WIFE_ID and found.origin == "CN-340000"
    assert found.row is not None and found.row["household_no"] == "340102900001"

    with a.db.session() as session:  # B refuses another purpose: the citizen is told why
        refused = spouse.spouse_household(
            session, husband, purpose="other", case_ref="APP-2", actor=CLERK, settings=a.settings()
        )
    assert refused.row is None and "示范二省" in refused.reason and PURPOSE in refused.reason

    with a.db.session() as session:  # B is down: still an answer, with the reason
        client.service.get_peer(
            session, "CN-340000"
        ).gateway_url = f"http://127.0.0.1:{free_port()}"
        down = spouse.spouse_household(session, husband, purpose=PURPOSE, case_ref="APP-3",
                                       actor=CLERK, settings=a.settings())  # fmt: skip
        session.rollback()
    assert down.row is None and "could not be reached" in down.reason
