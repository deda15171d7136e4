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
from onceonly.core.errors import Problem, UpstreamError, UpstreamTimeout
from onceonly.federation import messages, service
from onceonly.federation.models import Peer
from onceonly.identity.models import Department

TIMEOUT = httpx.Timeout(5.0, connect=2.0)
ATTEMPTS = 3
BACKOFF_SECONDS = (0.1, 0.4)
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


def _send(http: httpx.Client, peer: Peer, token: str) -> httpx.Response:
    return http.post(peer.gateway_url + QUERY_PATH, json={"request": token})


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
    (its answer does not verify). Every attempt is logged in the traffic table."""
    peer = service.get_peer(session, peer_node)
    if peer.disabled_at is not None:
        raise PeerRefused(f"federation with {peer.name} is suspended on this node")
    own = http is None
    http = http or httpx.Client(timeout=TIMEOUT)
    started = time.perf_counter()
    try:
        for attempt in range(ATTEMPTS):
            token, payload = _request(session, peer, resource, subject_key, purpose, case_ref,
                                      department, actor, fields)  # fmt: skip
            try:
                reply = _send(http, peer, token)
            except httpx.TimeoutException:
                failure: Problem = UpstreamTimeout(f"{peer.name} did not answer in time")
            except httpx.HTTPError as exc:
                failure = UpstreamError(
                    f"{peer.name} could not be reached ({type(exc).__name__})", code="peer-down"
                )
            else:
                if reply.status_code < 500:
                    break
                failure = UpstreamError(f"{peer.name} failed ({reply.status_code})")
            ms = (time.perf_counter() - started) * 1000
            service.log_message(session, "out", peer.node_id, resource, 0, failure.code, ms)
            if attempt + 1 == ATTEMPTS:
                raise failure
            time.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
    finally:
        if own:
            http.close()
    ms = (time.perf_counter() - started) * 1000
    if reply.status_code != 200:
        detail = _problem_detail(reply)
        service.log_message(session, "out", peer.node_id, resource, reply.status_code,
                            detail[0], ms)  # fmt: skip
        raise PeerRefused(f"{peer.name} refused: {detail[1]}", peer_problem=detail[0])
    answer = _verified(peer, reply, token, payload)
    service.log_message(session, "out", peer.node_id, resource, 200, "", ms)
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
                    "request": token, "response": answer.response},
        ),
    )  # fmt: skip
    return answer


def _problem_detail(reply: httpx.Response) -> tuple[str, str]:
    try:
        body = reply.json()
        return str(body.get("type", "")).rsplit("/", 1)[-1][:60], str(body.get("detail", ""))
    except ValueError:
        return f"http-{reply.status_code}", reply.text[:200]


def _verified(peer: Peer, reply: httpx.Response, token: str, sent: dict[str, Any]) -> Answer:
    try:
        signed = str(reply.json()["response"])
    except (ValueError, KeyError, TypeError):
        raise UpstreamError(f"{peer.name} answered without a signed response") from None
    try:
        payload = messages.verify(signed, peer.jwks, messages.RESPONSE)
    except Problem:
        raise UpstreamError(f"{peer.name}'s answer does not verify with its keys",
                            code="bad-response-signature") from None  # fmt: skip
    if (
        payload.get("in_reply_to") != sent["jti"]
        or payload.get("request_sha256") != messages.digest(token)
        or payload.get("aud") != sent["iss"]
    ):
        raise UpstreamError(f"{peer.name}'s answer is not the answer to this request",
                            code="bad-response-signature")  # fmt: skip
    return Answer(peer, list(payload.get("fields", [])), list(payload.get("rows", [])),
                  list(payload.get("masked", [])), token, signed)  # fmt: skip
