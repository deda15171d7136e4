"""跨省通办 end to end on two running provinces: 陈思雨, whose ID number was issued in
province B, applies in province A to renew her ID card (a cross-region item); the case
is routed to B, decided by B's reviewer, and the decision and her e-licence come back to
her application and wallet in A. And every way it can fail: B down (the case waits and
is sent later), B refusing (no grant: the reason is shown), bad signatures, replays."""

from __future__ import annotations

import base64
import json
import time
from contextlib import closing
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import OKPKey
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.demo.crossborder import WIFE
from onceonly.federation import localpair, service
from onceonly.federation.cases import home, routed
from onceonly.federation.localpair import OPERATOR
from onceonly.federation.models import RoutedCase
from onceonly.identity import service as identity
from onceonly.identity.models import User
from onceonly.services.applications import applications
from onceonly.services.casework import review
from onceonly.services.models import CaseStatus, ServiceItem
from onceonly.services.payments import demo_provider
from onceonly.services.payments import service as payments
from onceonly.services.payments.connector import connector_for
from tests.federation.conftest import Node, free_port
from tests.federation.test_bundle import _citizen

pytestmark = pytest.mark.xdist_group("federation")
WIFE_ID = WIFE.person.id_number
RENEWAL = "居民身份证换领"  # cross-region; issues a resident ID e-licence
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _item(node: Node) -> ServiceItem:
    return localpair.province_item(node, RENEWAL)


def _apply(a: Node, http: httpx.Client) -> str:
    """Start and submit the renewal in A, giving what A cannot fetch for her."""
    reply = http.post("/api/v1/services/applications",
                      json={"item_code": _item(a).code, "again": True})  # fmt: skip
    assert reply.status_code == 201, reply.text
    application = reply.json()
    for m in application["materials"]:
        if m["state"] == "missing":
            body = {"filename": "scan.png", "content_base64": base64.b64encode(PNG).decode()}
            if m["source"] == "form":
                body = {"text": "由申请人填写"}
            path = f"/api/v1/services/applications/{application['ref']}/materials/{m['key']}"
            put = http.put(path, json=body)
            assert put.status_code == 200, put.text
    submitted = http.post(f"/api/v1/services/applications/{application['ref']}/submit",
                          json={"confirmed": True})  # fmt: skip
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["cases"][0]["department"] in (None, "")
    return str(application["ref"])


def _row(node: Node, direction: str, case_ref_prefix: str) -> RoutedCase:
    with node.db.session() as session:
        query = select(RoutedCase).where(RoutedCase.direction == direction)
        row = session.scalar(query.where(RoutedCase.case_ref.startswith(case_ref_prefix)))
        assert row is not None
        session.expunge(row)
        return row


def _entries(node: Node, action: str) -> list[AuditEntry]:
    with node.db.session() as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        for row in rows:
            session.expunge(row)
        return rows


def _set_gateway(node: Node, peer_node: str, url: str) -> str:
    with node.db.session() as session:
        peer = service.get_peer(session, peer_node)
        old, peer.gateway_url = peer.gateway_url, url
        return old


@pytest.fixture(scope="module")
def citizen(nodes: dict[str, Node]) -> Any:
    a = nodes["A"]
    with a.db.session() as session:  # she signs in to A's portal (unified identity)
        identity.upsert_person(session, WIFE_ID, WIFE.person.name)
    with closing(_citizen(a, WIFE_ID)) as http:
        yield http


def test_a_routed_case_is_decided_in_the_home_province_and_comes_back(
    nodes: dict[str, Node], citizen: httpx.Client
) -> None:
    a, b = nodes["A"], nodes["B"]
    with b.db.session() as session:  # B's review: it takes this item from A
        home.accept_cases(session, "CN-330000", _item(b).basic_code, OPERATOR)
    ref = _apply(a, citizen)

    # B is down: the case waits, the page says so, and nothing is lost.
    real = _set_gateway(a, "CN-340000", f"http://127.0.0.1:{free_port()}")
    try:
        assert routed.send_pending(a.db) == {"pending": 1}
    finally:
        _set_gateway(a, "CN-340000", real)
    waiting = _row(a, "out", ref)
    assert waiting.state == "pending" and "could not be reached" in waiting.last_error
    page = citizen.get(f"/portal/applications/{ref}/elsewhere")
    assert 'data-state="pending"' in page.text and "示范二省" in page.text

    # The job's next run sends it; B opens a case for its own police department.
    assert routed.send_pending(a.db) == {"sent": 1}
    sent = _row(a, "out", ref)
    received = _row(b, "in", ref)
    assert sent.remote_ref == received.remote_ref != ""
    with b.db.session() as session:
        application = applications.get_application(session, received.remote_ref)
        case = application.cases[0]
        assert case.status is CaseStatus.SUBMITTED and case.department is not None
        assert case.department.region_code.startswith("34")
        photo = applications.material(application, "photo")
        assert photo.origin == "CN-330000 applicant" and photo.content == PNG
        # B's reviewer decides in B's ordinary workbench; B issues the e-licence.
        reviewer = session.scalar(select(User).where(User.username == "ps.reviewer"))
        assert reviewer is not None
        review.accept(session, reviewer, case)
        _pay_in(b, session, application)  # B's fee, or B's reviewer may not decide
        review.approve(session, reviewer, case)
        serial = case.result_serial
    assert serial
    assert home.report_decided(b.db) == {"reported": 1}
    assert home.report_decided(b.db) == {}  # once

    # A shows the decision and the licence, in the application and the wallet.
    with a.db.session() as session:
        mine = applications.get_application(session, ref)
        assert mine.cases[0].status is CaseStatus.APPROVED
        assert mine.cases[0].result_serial == serial
        assert mine.status.value == "completed"
    assert serial in citizen.get(f"/portal/applications/{ref}/elsewhere").text
    wallet = citizen.get("/portal/licences")
    assert serial in wallet.text and WIFE.person.name in wallet.text

    # Both nodes logged every message, signed, both ways.
    out = [e for e in _entries(a, "federation.case.sent") if e.detail["case_ref"] == sent.case_ref]
    inn = [e for e in _entries(b, "federation.case.received") if e.object_id == sent.remote_ref]
    # (On a loaded machine A may time out and send again: B answers a case reference it
    # has with the same case, and logs each message it got.)
    assert len(out) == 1 and inn
    assert (out[0].detail["request"], out[0].detail["response"]) in {
        (e.detail["request"], e.detail["response"]) for e in inn
    }
    back = [e for e in _entries(b, "federation.case.result_sent") if e.object_id == sent.remote_ref]
    got = [e for e in _entries(a, "federation.case.result_received") if e.object_id == ref]
    # (A retry after a slow answer is a second message, logged again, decided once.)
    assert len(back) == 1 and back[0].detail["request"] in {g.detail["request"] for g in got}

    # The same signed case again is a replay.
    replay = httpx.post(b.url + routed.CASE_PATH, json={"request": out[0].detail["request"]})
    assert replay.status_code == 409 and replay.json()["type"].endswith("replayed")


def test_a_refusal_is_final_and_its_reason_shown(
    nodes: dict[str, Node], citizen: httpx.Client
) -> None:
    a, b = nodes["A"], nodes["B"]
    with b.db.session() as session:  # B takes no routed cases of this item from A
        session.query(home.CaseAcceptance).delete()
    ref = _apply(a, citizen)
    assert routed.send_pending(a.db) == {"refused": 1}
    row = _row(a, "out", ref)
    assert "示范二省 refused" in row.reason and "review it first" in row.reason
    page = citizen.get(f"/portal/applications/{ref}/elsewhere")
    assert 'data-state="refused"' in page.text and "review it first" in page.text
    refusals = _entries(b, "federation.case.refused")
    assert any(e.detail["problem"] == "no-grant" for e in refusals)


def test_forged_and_unknown_case_messages_are_refused(nodes: dict[str, Node]) -> None:
    b = nodes["B"]
    claims = {"iss": "CN-330000", "aud": "CN-340000", "iat": 0, "exp": 60, "jti": "y" * 20,
              "case_ref": "X-1", "item": {"basic_code": _item(b).basic_code}}  # fmt: skip
    stranger = OKPKey.generate_key("Ed25519")
    header = {"alg": "Ed25519", "typ": "oo-fedcase+jwt"}
    body = json.dumps(claims).encode()
    forged = jws.serialize_compact(header, body, stranger, algorithms=["Ed25519"])
    for path in (routed.CASE_PATH, routed.RESULT_PATH):
        reply = httpx.post(b.url + path, json={"request": forged})
        assert reply.status_code == 401 and reply.json()["type"].endswith("bad-signature")
    unsigned = httpx.post(b.url + routed.CASE_PATH, json={})
    assert unsigned.status_code == 401


def _pay_in(node: Node, session: Any, application: Any) -> None:
    """The fee is the deciding province's: paid at its cashier, settled by the payment
    service's signed callback (the demo provider's, applied as received)."""
    settings = node.settings()
    connector = connector_for("demo", settings)
    payment = payments.start_payment(session, application, connector, OPERATOR, settings)
    order = demo_provider.decide(session, payment.provider_ref, pay=True)
    headers, raw = demo_provider.callback_of(
        order, demo_provider.demo_secret(settings), time.time()
    )
    payments.apply_callback(session, "demo", connector.parse_callback(headers, raw, time.time()))
