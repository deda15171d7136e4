"""Between nodes: `GET /api/v1/federation/descriptor` (this node's signed descriptor),
`GET …/health`, and `POST …/query` (a peer's signed query; a signed answer or a
problem+json saying why not)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from onceonly.core.deps import DbSession, get_db
from onceonly.core.errors import Problem, Unauthorized
from onceonly.federation import serve, service
from onceonly.federation.schemas import Health, SignedRequest, SignedResponse

router = APIRouter(prefix="/api/v1/federation", tags=["federation"])


@router.get("/descriptor", response_class=PlainTextResponse)
def descriptor(session: DbSession) -> PlainTextResponse:
    """This node's descriptor: a compact JWS (typ oo-node+jwt) signed with its node key."""
    return PlainTextResponse(service.descriptor(session), media_type="application/jwt")


@router.get("/health", response_model=Health)
def health(session: DbSession) -> Health:
    node = service.this_node(session)
    return Health(node_id=node.node_id, name=node.name, status="ok")


@router.post("/query", response_model=SignedResponse)
def query(body: SignedRequest, request: Request, session: DbSession) -> SignedResponse:
    """Answer a peer's signed query with a signed response.

    Errors: 401 unsigned, unknown node, bad signature, wrong audience or expired; 409 a
    replayed nonce; 403 not offered, no grant or another purpose; then the gateway's own
    (404, 422, 429, 502, 504)."""
    started = time.perf_counter()
    token = (body.request or "").strip()
    try:
        if not token:
            raise Unauthorized("the query is not signed: send {\"request\": <JWS>}",
                               code="unsigned-message")  # fmt: skip
        served = serve.answer(session, token, request.app.state.settings)
        ms = (time.perf_counter() - started) * 1000
        service.log_message(session, "in", served.peer.node_id, served.resource, 200, "", ms)
        return SignedResponse(response=served.response)
    except Problem as problem:
        ms = (time.perf_counter() - started) * 1000
        session.rollback()  # let go of the write lock (a nonce) before logging apart
        with get_db(request).session() as other:
            serve.refused(other, token, problem, ms)
        raise
