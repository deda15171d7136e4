"""跨省通办, the applying side: a cross-region case of an applicant whose ID number was
issued in a linked province is decided there (the home province), not here.

1. On submit, `route_out` marks such a case as routed (no local department) and queues
   it (`federation_routed_cases`, state `pending`).
2. `send_pending` (the `federation.cases` job, and right after submit) signs the case
   (`oo-fedcase+jwt`: the item, the applicant, the materials the citizen confirmed, the
   purpose and case reference) and posts it to the home node's `/api/v1/federation/cases`
   outside any unit of work. A peer that does not answer leaves it `pending` with the
   reason, for the next run; a refusal (4xx) is final and its reason shown; a signed
   receipt makes it `sent`, with the home province's own reference.
3. `take_result` receives the signed decision (`oo-fedresult+jwt`) with the e-licence
   and records it on the citizen's application (`decided`), wallet included.

The home node's side is in `home`.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Conflict, NotFound, Problem
from onceonly.federation import service
from onceonly.federation.models import Peer, RoutedCase
from onceonly.federation.query import serve, spouse
from onceonly.federation.trust import messages, transport
from onceonly.services.casework import notify
from onceonly.services.models import (
    CLOSED_CASES,
    Application,
    ApplicationCase,
    ApplicationEvent,
    ApplicationStatus,
    CaseStatus,
    MaterialState,
    ServiceItem,
    SubjectKind,
)

CASE_PATH = "/api/v1/federation/cases"
RESULT_PATH = "/api/v1/federation/case-results"
LIFETIME_SECONDS = 120
ROUTER = Actor("system", "federation", "跨省通办 routing")
PENDING, SENT, REFUSED, DECIDED = "pending", "sent", "refused", "decided"
RECEIVED, REPORTED = "received", "reported"


def purpose_of(item_name: str) -> str:
    return f"跨省通办：{item_name}"


def event(session: Session, application_id: int, case_id: int, kind: str, by: str,
          note: str = "") -> None:  # fmt: skip
    session.add(ApplicationEvent(application_id=application_id, case_id=case_id, kind=kind,
                                 by=by, note=note[:2000]))  # fmt: skip


def envelope(session: Session, peer: Peer, body: dict[str, Any]) -> dict[str, Any]:
    """The header claims of any message to `peer`: who, to whom, when, a fresh nonce."""
    now = int(time.time())
    return {"iss": service.this_node(session).node_id, "aud": peer.node_id, "iat": now,
            "exp": now + LIFETIME_SECONDS, "jti": messages.new_nonce(), **body}  # fmt: skip


def signer(db: Database, peer_node: str, typ: str, body: dict[str, Any]) -> transport.Signer:
    """Signs a fresh message per attempt, each in a short read-only session."""

    def sign() -> tuple[str, dict[str, Any]]:
        with db.session() as session:
            payload = envelope(session, service.get_peer(session, peer_node), body)
            return messages.sign(session, typ, payload), payload

    return sign


# 1. Routing on submit -------------------------------------------------------------------


def home_peer_of(session: Session, application: Application) -> Peer | None:
    """The linked, active peer of the province that issued the applicant's ID number,
    when this province does not register the applicant's household (someone who moved
    their household here is at home here, whatever their ID number says)."""
    if application.applicant_kind is not SubjectKind.PERSON or application.home_region_code:
        return None
    peer = spouse.home_peer(session, application.applicant_code)
    return peer if peer is not None and peer.disabled_at is None else None


def route_out(session: Session, application: Application) -> int:
    """Route the application's cross-region cases to the applicant's home province, if
    that is a linked peer; how many were routed (0: everything stays here)."""
    peer = home_peer_of(session, application)
    if peer is None:
        return 0
    routed = 0
    for case in application.cases:
        template = (
            session.get(ServiceItem, case.item.template_id) if case.item.template_id else None
        )
        if not (template or case.item).cross_region:
            continue
        case.department_id, case.department = None, None
        session.flush()
        session.add(RoutedCase(direction="out", peer_node=peer.node_id, state=PENDING,
                               case_ref=f"{application.ref}-{case.position + 1}",
                               application_id=application.id, case_id=case.id))  # fmt: skip
        event(session, application.id, case.id, "Routed to the home province", peer.name)
        routed += 1
    return routed


def routed_cases(session: Session, application: Application) -> list[RoutedCase]:
    return list(session.scalars(select(RoutedCase).where(
        RoutedCase.application_id == application.id, RoutedCase.direction == "out")))  # fmt: skip


# 2. Sending -----------------------------------------------------------------------------


def _material(m: Any) -> dict[str, Any]:
    kind = m.source_kind.value if m.source_kind else None
    out = {"key": m.key, "name": m.name, "state": m.state.value, "origin": m.origin,
           "source_kind": kind, "data": m.data}  # fmt: skip
    if m.content is not None:
        out["content"] = base64.b64encode(m.content).decode()
    return out


def case_body(session: Session, row: RoutedCase) -> dict[str, Any]:
    """What the home province needs to decide: the item, the applicant, the materials
    given or confirmed here (each with where it came from), purpose, reference."""
    application = session.get(Application, row.application_id)
    case = session.get(ApplicationCase, row.case_id)
    assert application is not None and case is not None
    given = [m for m in application.materials if m.state is not MaterialState.MISSING]
    return {
        "case_ref": row.case_ref, "application_ref": application.ref,
        "purpose": purpose_of(case.item.name),
        "item": {"basic_code": case.item.basic_code, "name": case.item.name},
        "applicant": {"id_number": application.applicant_code,
                      "name": application.applicant_name},
        "submitted_at": application.submitted_at.isoformat() if application.submitted_at else "",
        "materials": [_material(m) for m in given],
    }  # fmt: skip


def send_pending(db: Database, http: httpx.Client | None = None) -> dict[str, int]:
    """Send every routed case still waiting; counts of the outcomes."""
    with db.session() as session:
        ids = session.scalars(select(RoutedCase.id).where(
            RoutedCase.direction == "out", RoutedCase.state == PENDING)).all()  # fmt: skip
    counts: dict[str, int] = {}
    for routed_id in ids:
        state = send_one(db, routed_id, http)
        counts[state] = counts.get(state, 0) + 1
    return counts


def send_one(db: Database, routed_id: int, http: httpx.Client | None = None) -> str:
    """Sign and send one routed case; no transaction is open during the HTTP call."""
    with db.session() as session:
        row = session.get(RoutedCase, routed_id)
        if row is None or row.state != PENDING:
            return row.state if row is not None else "gone"
        peer = service.get_peer(session, row.peer_node)
        body = case_body(session, row)
        url, name, jwks = peer.gateway_url + CASE_PATH, peer.name, dict(peer.jwks)
    sign = signer(db, row.peer_node, messages.CASE, body)
    delivery = transport.post(url, name, sign, "request", http)
    with db.session() as session:
        row = session.get(RoutedCase, routed_id)
        assert row is not None
        return _record_sending(session, row, name, jwks, delivery)


def _record_sending(
    session: Session, row: RoutedCase, peer_name: str, jwks: dict[str, Any],
    delivery: transport.Delivery,
) -> str:  # fmt: skip
    for problem, ms in delivery.failures:
        service.log_message(session, "out", row.peer_node, "case", 0, problem.code, ms)
    row.attempts += len(delivery.failures) + (delivery.reply is not None)
    row.updated_at = utcnow()
    reply = delivery.reply
    if reply is None:
        row.last_error = delivery.failure.detail if delivery.failure else "no answer"
        return row.state
    status, (code, detail) = reply.status_code, transport.problem_detail(reply)
    if status != 200:
        service.log_message(session, "out", row.peer_node, "case", status, code, delivery.ms)
        row.state, row.reason = REFUSED, f"{peer_name} refused: {detail}"[:2000]
        _tell(session, row, "Refused by the home province", peer_name, row.reason)
        _audit(session, "federation.case.refused", row, delivery.token, "", code)
        return row.state
    try:
        signed, payload = transport.verified_answer(peer_name, jwks, reply, delivery)
    except Problem as problem:  # kept pending: a forged or stray answer is no receipt
        service.log_message(session, "out", row.peer_node, "case", 200, problem.code, delivery.ms)
        row.last_error = problem.detail
        return row.state
    service.log_message(session, "out", row.peer_node, "case", 200, "", delivery.ms)
    row.state, row.last_error = SENT, ""
    row.remote_ref = str(payload.get("remote_ref", ""))[:30]
    note = f"{row.remote_ref} · {payload.get('department', '')}".strip(" ·")
    event(session, row.application_id, row.case_id, "Sent to the home province", peer_name, note)
    _audit(session, "federation.case.sent", row, delivery.token, signed)
    return row.state


def _tell(session: Session, row: RoutedCase, kind: str, by: str, note: str) -> None:
    event(session, row.application_id, row.case_id, kind, by, note)
    application = session.get(Application, row.application_id)
    assert application is not None
    notify.to_applicant(session, application, f"跨省通办：{application.title}",
                        f"您的申请 {application.ref}：{note}")  # fmt: skip


def _audit(session: Session, action: str, row: RoutedCase, request: str, response: str,
           problem: str = "") -> None:  # fmt: skip
    application = session.get(Application, row.application_id)
    assert application is not None
    audit.record(session, audit.Event(
        action, ROUTER, "application", application.ref,
        subject_id_number=application.applicant_code, purpose=purpose_of(application.title),
        detail={"peer_node": row.peer_node, "case_ref": row.case_ref,
                "remote_ref": row.remote_ref, "state": row.state, "problem": problem,
                "request": request, "response": response}))  # fmt: skip


# 3. The decision coming back -------------------------------------------------------------


def take_result(session: Session, token: str) -> serve.Served:
    """Check a home node's signed decision and record it on the citizen's application."""
    me = service.this_node(session)
    peer, payload = serve.sender(session, token, messages.RESULT)
    serve.check_fresh(payload, me.node_id, time.time())
    serve.claim_nonce(session, peer, payload)
    case_ref = str(payload.get("case_ref", ""))[:40]
    row = session.scalar(select(RoutedCase).where(
        RoutedCase.direction == "out", RoutedCase.peer_node == peer.node_id,
        RoutedCase.case_ref == case_ref))  # fmt: skip
    if row is None or row.state not in (SENT, DECIDED):
        raise NotFound(f"no case {case_ref!r} was routed to {peer.node_id}", code="unknown-case")
    if str(payload.get("remote_ref", "")) != row.remote_ref:
        raise Conflict("the decision names another case of the home province", code="wrong-case")
    if row.state == SENT:
        _decided(session, row, peer, payload)
    now = int(time.time())
    response = messages.sign(session, messages.RESPONSE, {
        "iss": me.node_id, "aud": peer.node_id, "iat": now, "exp": now + LIFETIME_SECONDS,
        "in_reply_to": payload["jti"], "request_sha256": messages.digest(token),
        "case_ref": case_ref, "status": "recorded"})  # fmt: skip
    _audit(session, "federation.case.result_received", row, token.strip(), response)
    return serve.Served(response, peer, "case")


def _decided(session: Session, row: RoutedCase, peer: Peer, payload: dict[str, Any]) -> None:
    case = session.get(ApplicationCase, row.case_id)
    assert case is not None
    approved = payload.get("decision") == CaseStatus.APPROVED.value
    licence = payload.get("licence") or {}
    row.state, row.updated_at = DECIDED, utcnow()
    row.reason = str(payload.get("reason", ""))[:2000]
    row.licence_type = str(licence.get("type_code", ""))[:40]
    row.licence_serial = str(licence.get("serial", ""))[:40]
    row.credential = str(licence.get("credential", ""))
    case.status = CaseStatus.APPROVED if approved else CaseStatus.REJECTED
    case.decided_at, case.reason, case.result_serial = utcnow(), row.reason, row.licence_serial
    by = f"{peer.name} · {payload.get('department', '')}".strip(" ·")
    note = f"结果证照：{row.licence_serial}" if row.licence_serial else row.reason
    _tell(session, row, "Approved" if approved else "Rejected", by,
          f"“{case.item.name}”{'已办结（准予）' if approved else '不予办理'}。{note}")  # fmt: skip
    application = session.get(Application, row.application_id)
    assert application is not None
    if all(c.status in CLOSED_CASES for c in application.cases):
        application.status, application.completed_at = ApplicationStatus.COMPLETED, utcnow()
        event(session, application.id, case.id, "Completed", "")


def received_licences(session: Session, holder_code: str) -> list[RoutedCase]:
    """E-licences other provinces issued to this holder on routed cases (the wallet)."""
    return list(session.scalars(
        select(RoutedCase).join(Application, Application.id == RoutedCase.application_id)
        .where(RoutedCase.direction == "out", RoutedCase.credential != "",
               Application.applicant_code == holder_code.upper())
        .order_by(RoutedCase.updated_at.desc())))  # fmt: skip
