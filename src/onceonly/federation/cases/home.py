"""跨省通办, the home province's side: take a case a peer routed here, decide it in the
ordinary workbench, and send the decision (with the e-licence) back.

`receive` checks the signed case like a query (signature, audience, freshness, nonce),
then that this node's operator accepts routed cases of that item from that peer
(`federation_case_acceptances`, else 403 `no-grant`). It opens an application here for
the applicant, prefilled from this province's own sources (the home province holds the
household register), completed with the materials the applying province sent, and
submits it: the case goes to the competent department here like any other. A second
message with the same case reference (a retry after a lost receipt) gets the same
answer. `report_decided` (the `federation.cases` job) sends each decision back.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Forbidden, Invalid, Problem
from onceonly.core.settings import Settings
from onceonly.federation import service
from onceonly.federation.cases import routed
from onceonly.federation.models import CaseAcceptance, Peer, RoutedCase
from onceonly.federation.query import serve
from onceonly.federation.trust import messages, transport
from onceonly.identity import service as identity
from onceonly.licences import service as licences
from onceonly.services.applications import applications, starting
from onceonly.services.models import (
    CLOSED_CASES,
    Application,
    ApplicationCase,
    ApplicationMaterial,
    MaterialState,
    ServiceItem,
    SubjectKind,
)


def accept_cases(session: Session, peer_node: str, basic_code: str, by: Actor) -> CaseAcceptance:
    """The home side's review: take routed cases of this (cross-region) item from the peer."""
    peer = service.get_peer(session, peer_node)
    _item(session, basic_code)
    row = _acceptance(session, peer.node_id, basic_code)
    if row is None:
        row = CaseAcceptance(peer_node=peer.node_id, basic_code=basic_code,
                             created_by=by.label or by.ref())  # fmt: skip
        session.add(row)
        session.flush()
        audit.record(session, audit.Event("federation.cases_accepted", by, "peer", peer.node_id,
                                          detail={"basic_code": basic_code}))  # fmt: skip
    return row


def _acceptance(session: Session, peer_node: str, basic_code: str) -> CaseAcceptance | None:
    query = select(CaseAcceptance).where(CaseAcceptance.peer_node == peer_node)
    return session.scalar(query.where(CaseAcceptance.basic_code == basic_code))


def _item(session: Session, basic_code: str) -> ServiceItem:
    item = session.scalar(select(ServiceItem).where(
        ServiceItem.basic_code == basic_code, ServiceItem.template_id.is_(None),
        ServiceItem.active.is_(True), ServiceItem.cross_region.is_(True)))  # fmt: skip
    if item is None:
        raise Forbidden(f"no cross-region item {basic_code} is handled here",
                        code="item-not-served")  # fmt: skip
    return item


def receive(session: Session, token: str, settings: Settings | None = None) -> serve.Served:
    me = service.this_node(session)
    peer, payload = serve.sender(session, token, messages.CASE)
    serve.check_fresh(payload, me.node_id, time.time())
    serve.claim_nonce(session, peer, payload)
    basic_code = str((payload.get("item") or {}).get("basic_code", ""))[:30]
    if _acceptance(session, peer.node_id, basic_code) is None:
        raise Forbidden(f"{peer.node_id} may not route item {basic_code!r} here: the home "
                        "province must review it first", code="no-grant")  # fmt: skip
    case_ref = str(payload.get("case_ref", ""))[:40]
    row = session.scalar(select(RoutedCase).where(
        RoutedCase.direction == "in", RoutedCase.peer_node == peer.node_id,
        RoutedCase.case_ref == case_ref))  # fmt: skip
    if row is None:
        row = _open(session, peer, payload, _item(session, basic_code), settings)
    case = session.get(ApplicationCase, row.case_id)
    department = case.department.name if case and case.department else ""
    now = int(time.time())
    response = messages.sign(session, messages.RESPONSE, {
        "iss": me.node_id, "aud": peer.node_id, "iat": now, "exp": now + routed.LIFETIME_SECONDS,
        "in_reply_to": payload["jti"], "request_sha256": messages.digest(token),
        "case_ref": case_ref, "remote_ref": row.remote_ref, "status": "received",
        "department": department})  # fmt: skip
    audit.record(session, audit.Event(
        "federation.case.received", Actor("system", "federation", f"{peer.name} ({peer.node_id})"),
        "application", row.remote_ref, subject_id_number=_applicant(payload),
        purpose=str(payload.get("purpose", ""))[:500],
        detail={"peer_node": peer.node_id, "case_ref": case_ref, "department": department,
                "request": token.strip(), "response": response}))  # fmt: skip
    return serve.Served(response, peer, "case")


def _applicant(payload: dict[str, Any]) -> str:
    return str((payload.get("applicant") or {}).get("id_number", "")).upper()[:18]


def _open(
    session: Session, peer: Peer, payload: dict[str, Any], item: ServiceItem,
    settings: Settings | None,
) -> RoutedCase:  # fmt: skip
    """An application here for the routed case, prefilled from this province's sources,
    completed with what the applying province sent, and submitted."""
    name = str((payload.get("applicant") or {}).get("name", ""))[:100]
    person = identity.upsert_person(session, _applicant(payload), name)
    applicant = applications.Applicant(SubjectKind.PERSON, person.id_number, name or person.name,
                                       person.id, person.id_number)  # fmt: skip
    application = starting.start(session, applicant, item_code=item.code,
                                     settings=settings, again=True)  # fmt: skip
    for material in application.materials:
        _complete(material, payload.get("materials") or [], peer)
    case = application.cases[0]
    routed.event(session, application.id, case.id, "Received from another province", peer.name,
                 str(payload.get("case_ref", "")))  # fmt: skip
    applications.submit(session, application, confirmed=True)
    row = RoutedCase(direction="in", peer_node=peer.node_id, state=routed.RECEIVED,
                     case_ref=str(payload.get("case_ref", ""))[:40], remote_ref=application.ref,
                     application_id=application.id, case_id=case.id)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def _complete(material: ApplicationMaterial, sent: list[Any], peer: Peer) -> None:
    """A material this province's sources did not supply, from what the peer sent."""
    if material.state is not MaterialState.MISSING:
        return  # the home province's own record wins
    given = next((m for m in sent if isinstance(m, dict) and m.get("key") == material.key), None)
    if given is None or given.get("state") not in ("fetched", "provided"):
        return
    material.state = MaterialState.PROVIDED
    material.data = dict(given.get("data") or {})
    material.origin = f"{peer.node_id} {given.get('origin', '')}".strip()[:200]
    material.note, material.confirmed = "", True
    if given.get("content"):
        try:
            material.content = base64.b64decode(str(given["content"]), validate=True)
        except (binascii.Error, ValueError):
            raise Invalid(f"material {material.key}: content is not base64",
                          code="bad-material") from None  # fmt: skip


# Reporting decisions back -----------------------------------------------------------------


def report_decided(db: Database, http: httpx.Client | None = None) -> dict[str, int]:
    """Send the decision of every routed-in case decided since; counts of the outcomes."""
    with db.session() as session:
        ids = session.scalars(
            select(RoutedCase.id).join(ApplicationCase, ApplicationCase.id == RoutedCase.case_id)
            .where(RoutedCase.direction == "in", RoutedCase.state == routed.RECEIVED,
                   ApplicationCase.status.in_(CLOSED_CASES))).all()  # fmt: skip
    counts: dict[str, int] = {}
    for routed_id in ids:
        state = report_one(db, routed_id, http)
        counts[state] = counts.get(state, 0) + 1
    return counts


def result_body(session: Session, row: RoutedCase) -> dict[str, Any]:
    case = session.get(ApplicationCase, row.case_id)
    assert case is not None
    body: dict[str, Any] = {
        "case_ref": row.case_ref, "remote_ref": row.remote_ref, "decision": case.status.value,
        "reason": case.reason, "decided_at": case.decided_at.isoformat() if case.decided_at else "",
        "department": case.department.name if case.department else "", "licence": None,
    }  # fmt: skip
    if case.result_serial:
        licence = licences.licence_by_serial(session, case.result_serial)
        body["licence"] = {"serial": licence.serial, "type_code": licence.type_code,
                           "credential": licence.credential}  # fmt: skip
    return body


def report_one(db: Database, routed_id: int, http: httpx.Client | None = None) -> str:
    with db.session() as session:
        row = session.get(RoutedCase, routed_id)
        assert row is not None
        peer = service.get_peer(session, row.peer_node)
        body = result_body(session, row)
        url, name, jwks = peer.gateway_url + routed.RESULT_PATH, peer.name, dict(peer.jwks)
    sign = routed.signer(db, row.peer_node, messages.RESULT, body)
    delivery = transport.post(url, name, sign, "request", http)
    with db.session() as session:
        row = session.get(RoutedCase, routed_id)
        assert row is not None
        for problem, ms in delivery.failures:
            service.log_message(session, "out", row.peer_node, "case-result", 0, problem.code, ms)
        row.attempts += len(delivery.failures) + (delivery.reply is not None)
        row.updated_at = utcnow()
        try:
            if delivery.reply is None:
                raise delivery.failure or Problem("no answer")
            if delivery.reply.status_code != 200:
                code, detail = transport.problem_detail(delivery.reply)
                raise Problem(f"{name} refused: {detail}", code=code)
            signed, _ = transport.verified_answer(name, jwks, delivery.reply, delivery)
        except Problem as problem:  # kept: reported again by the next run
            row.last_error = problem.detail
            status = delivery.reply.status_code if delivery.reply is not None else 0
            service.log_message(session, "out", row.peer_node, "case-result", status,
                                problem.code, delivery.ms)  # fmt: skip
            return row.state
        service.log_message(session, "out", row.peer_node, "case-result", 200, "", delivery.ms)
        row.state, row.last_error = routed.REPORTED, ""
        application = session.get(Application, row.application_id)
        assert application is not None
        audit.record(session, audit.Event(
            "federation.case.result_sent", routed.ROUTER, "application", row.remote_ref,
            subject_id_number=application.applicant_code,
            detail={"peer_node": row.peer_node, "case_ref": row.case_ref,
                    "decision": body["decision"], "request": delivery.token,
                    "response": signed}))  # fmt: skip
        return row.state
