"""The providing side: check a peer's signed query, answer it from this province's own
exchange, sign the answer, and keep both messages in the audit log.

Checks, in order: signed at all (401 unsigned-message), by a known peer (401
unknown-node), with one of its keys (401 bad-signature), meant for this node (401
wrong-audience), fresh (401 expired), never seen before (409 replayed), the resource
offered (403 not-offered) and granted to the peer for the named purpose (403 no-grant,
purpose-not-granted); then the exchange's own checks (fields, subject key, rate limit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.audit.tracker import REMOTE_ACCESS
from onceonly.catalog import service as catalog
from onceonly.core.actors import Actor
from onceonly.core.errors import Conflict, Forbidden, Problem, Unauthorized
from onceonly.core.settings import Settings
from onceonly.exchange import service as exchange
from onceonly.exchange.gateway import records
from onceonly.exchange.schemas import QueryIn
from onceonly.federation import service
from onceonly.federation.models import Nonce, Peer
from onceonly.federation.trust import messages
from onceonly.sharing import service as sharing

MAX_SKEW_SECONDS = 60  # clocks of two provinces' servers may differ this much
MAX_LIFETIME_SECONDS = 300  # a request is valid at most this long after it is signed


@dataclass
class Served:
    response: str
    peer: Peer
    resource: str


def sender(
    session: Session, token: str, typ: str = messages.REQUEST
) -> tuple[Peer, dict[str, Any]]:
    """The peer that signed `token` (a `typ` message) and the verified payload, or a 401."""
    _header, claimed = messages.peek(token)
    node_id = str(claimed.get("iss", ""))
    peer = session.scalar(select(Peer).where(Peer.node_id == node_id[:60]))
    if peer is None:
        raise Unauthorized(
            f"node {node_id[:60]!r} is not a federation peer of this node", code="unknown-node"
        )
    payload = messages.verify(token, peer.jwks, typ)
    if peer.disabled_at is not None:
        raise Forbidden(f"federation with {peer.node_id} is suspended", code="peer-disabled")
    return peer, payload


def check_fresh(payload: dict[str, Any], me: str, now: float) -> None:
    if payload.get("aud") != me:
        raise Unauthorized(f"the request is addressed to {payload.get('aud')!r}, not {me}",
                           code="wrong-audience")  # fmt: skip
    try:
        iat, exp = int(payload["iat"]), int(payload["exp"])
    except (KeyError, TypeError, ValueError):
        raise Unauthorized("the request carries no valid iat/exp", code="expired") from None
    if iat > now + MAX_SKEW_SECONDS or exp - iat > MAX_LIFETIME_SECONDS:
        raise Unauthorized("the request's times are not plausible", code="expired")
    if exp < now - MAX_SKEW_SECONDS:
        raise Unauthorized(
            f"the request expired {int(now - exp)} s ago: sign a new one", code="expired"
        )


def claim_nonce(session: Session, peer: Peer, payload: dict[str, Any]) -> None:
    """Remember the request id; the unique key refuses a second use in any process."""
    nonce = str(payload.get("jti", ""))
    if not 8 <= len(nonce) <= 80:
        raise Unauthorized("the request carries no nonce (jti)", code="unsigned-message")
    expires = datetime.fromtimestamp(int(payload["exp"]) + MAX_SKEW_SECONDS, UTC)
    try:
        with session.begin_nested():
            session.add(Nonce(peer_node=peer.node_id, nonce=nonce, expires_at=expires))
    except IntegrityError:
        raise Conflict(
            f"request {nonce} from {peer.node_id} was seen before: a replay is refused",
            code="replayed",
        ) from None


def answer(session: Session, token: str, settings: Settings | None = None) -> Served:
    """Check and answer a signed query; raises a Problem (problem+json) when refused."""
    me = service.this_node(session)
    peer, payload = sender(session, token)
    check_fresh(payload, me.node_id, time.time())
    claim_nonce(session, peer, payload)
    code = str(payload.get("resource", ""))
    service.offered(session, code)
    client = service.peer_client(session, peer)
    resource = catalog.get_resource(session, code)
    live = sharing.active_grant(session, client.id, resource.id)
    if live is None:
        raise Forbidden(
            f"{peer.node_id} has no grant on {code}: the providing side must review one",
            code="no-grant",
        )
    purpose = str(payload.get("purpose", ""))
    if purpose != live.purpose:
        raise Forbidden(f"{peer.node_id} may query {code} only for: {live.purpose}",
                        code="purpose-not-granted")  # fmt: skip
    out, record = exchange.answer(
        session,
        client,
        code,
        QueryIn(subject_key=payload.get("subject_key"), fields=payload.get("fields") or None,
                purpose=purpose, page_size=int(payload.get("page_size") or 50)),
        purpose_ref=str(payload.get("case_ref", ""))[:200],
        settings=settings,
    )  # fmt: skip
    now = int(time.time())
    response = messages.sign(session, messages.RESPONSE, {
        "iss": me.node_id, "aud": peer.node_id, "iat": now, "exp": now + MAX_LIFETIME_SECONDS,
        "in_reply_to": payload["jti"], "request_sha256": messages.digest(token),
        **out.model_dump(mode="json"),
    })  # fmt: skip
    # One access, one entry: the gateway's own record of the read (grant, fields, rows,
    # case reference), filed as served to the peer, with both signed messages.
    requester = payload.get("department") or {}
    record.event.action = REMOTE_ACCESS
    record.event.actor = Actor(
        "client", str(client.id), f"{peer.name} ({peer.node_id})", client.department_id
    )
    record.event.subject_id_number = out_subject(payload, resource.subject_type.value)
    record.event.detail.update({
        "peer_node": peer.node_id, "peer_name": peer.name,
        "department": str(requester.get("name", ""))[:200],
        "case_ref": str(payload.get("case_ref", ""))[:200],
        "request": token.strip(), "response": response,
    })  # fmt: skip
    if refused := records.apply(session, [record]):
        raise refused[0]
    return Served(response, peer, code)


def out_subject(payload: dict[str, Any], subject_type: str) -> str | None:
    key = payload.get("subject_key")
    return str(key).upper() if key and subject_type == "person" else None


def refused(
    session: Session, token: str, problem: Problem, ms: float,
    action: str = "federation.query.refused",
) -> None:  # fmt: skip
    """A refused query: its traffic row and an audit entry with the message as received
    (in its own transaction: the query's was rolled back)."""
    try:
        _header, claimed = messages.peek(token)
    except Problem:
        claimed = {}
    node = str(claimed.get("iss", "?"))[:60]
    resource = str(claimed.get("resource", ""))[:60]
    service.log_message(session, "in", node, resource, problem.status, problem.code, ms)
    audit.record(session, audit.Event(
        action, Actor("system", "federation", f"claimed {node}"),
        "resource", resource, purpose=str(claimed.get("purpose", ""))[:500],
        detail={"peer_node": node, "problem": problem.code, "status": problem.status,
                "request": token.strip()[:8000]}))  # fmt: skip
