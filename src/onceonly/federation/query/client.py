"""The asking side: sign a query for a peer, send it over HTTP (timeouts, retries),
verify the signed answer, and keep both messages in this node's audit log.

A retry is a new request with a new nonce (the peer refuses a nonce twice), made only
when the peer did not answer or answered 5xx; a refusal (4xx) is final.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.errors import Problem
from onceonly.federation import service
from onceonly.federation.models import Peer
from onceonly.federation.trust import messages, transport
from onceonly.identity.models import Department

TIMEOUT = transport.TIMEOUT
ATTEMPTS = transport.ATTEMPTS
BACKOFF_SECONDS = transport.BACKOFF_SECONDS
LIFETIME_SECONDS = 120
QUERY_PATH = "/api/v1/federation/query"


class PeerRefused(Problem):
    status, code, title = 502, "peer-refused", "The other province refused the query"


@dataclass
class Answer:
    peer: Peer
    fields: list[str]
    rows: list[dict[str, Any]]
    masked: list[str] = field(default_factory=list)
    request: str = ""
    response: str = ""


def _request(
    session: Session, peer: Peer, resource: str, subject_key: str | None, purpose: str,
    case_ref: str, department: Department | None, actor: Actor, fields: list[str] | None,
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    me = service.this_node(session)
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": me.node_id, "aud": peer.node_id, "iat": now, "exp": now + LIFETIME_SECONDS,
        "jti": messages.new_nonce(), "resource": resource, "subject_key": subject_key,
        "fields": fields, "purpose": purpose, "case_ref": case_ref,
        "department": {"code": department.code, "name": department.name} if department else {},
        "requested_by": actor.label or actor.ref(),
    }  # fmt: skip
    return messages.sign(session, messages.REQUEST, payload), payload


def query(
    session: Session,
    peer_node: str,
    resource: str,
    *,
    subject_key: str | None,
    purpose: str,
    case_ref: str = "",
    department: Department | None = None,
    actor: Actor,
    fields: list[str] | None = None,
    http: httpx.Client | None = None,
) -> Answer:
    """Ask a peer for a resource about one subject. Raises UpstreamError/UpstreamTimeout
    (peer down or slow), PeerRefused (it said no, with its reason) or UpstreamError
    (its answer does not verify). Every attempt is logged in the traffic table.

    The caller's session must hold no write transaction (SQLite has one write lock for
    the whole database): the signing only reads, and the log rows are added after."""
    peer = service.get_peer(session, peer_node)
    if peer.disabled_at is not None:
        raise PeerRefused(f"federation with {peer.name} is suspended on this node")

    def sign() -> tuple[str, dict[str, Any]]:
        return _request(session, peer, resource, subject_key, purpose, case_ref, department,
                        actor, fields)  # fmt: skip

    delivery = transport.post(peer.gateway_url + QUERY_PATH, peer.name, sign, "request", http)
    for problem, ms in delivery.failures:
        service.log_message(session, "out", peer.node_id, resource, 0, problem.code, ms)
    reply = delivery.reply
    if reply is None:
        assert delivery.failure is not None
        raise delivery.failure
    if reply.status_code != 200:
        detail = transport.problem_detail(reply)
        service.log_message(session, "out", peer.node_id, resource, reply.status_code,
                            detail[0], delivery.ms)  # fmt: skip
        raise PeerRefused(f"{peer.name} refused: {detail[1]}", peer_problem=detail[0])
    signed, payload = transport.verified_answer(peer.name, peer.jwks, reply, delivery)
    answer = Answer(peer, list(payload.get("fields", [])), list(payload.get("rows", [])),
                    list(payload.get("masked", [])), delivery.token, signed)  # fmt: skip
    service.log_message(session, "out", peer.node_id, resource, 200, "", delivery.ms)
    audit.record(
        session,
        audit.Event(
            "federation.query.sent",
            actor,
            "resource",
            resource,
            subject_id_number=subject_key.upper() if subject_key else None,
            purpose=purpose,
            detail={"peer_node": peer.node_id, "peer_name": peer.name, "case_ref": case_ref,
                    "department": department.name if department else "",
                    "fields": answer.fields, "rows": len(answer.rows),
                    "request": delivery.token, "response": answer.response},
        ),
    )  # fmt: skip
    return answer
