"""Between nodes: `GET /api/v1/federation/descriptor` (this node's signed descriptor),
`GET …/health`, `POST …/query` (a peer's signed query), `POST …/cases` (a 跨省通办
case routed here) and `POST …/case-results` (the decision on one routed from here):
each a signed answer or a problem+json saying why not."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from onceonly.core.deps import DbSession, get_db
from onceonly.core.errors import Problem, Unauthorized
from onceonly.core.settings import Settings
from onceonly.federation import service
from onceonly.federation.cases import home, routed
from onceonly.federation.query import serve
from onceonly.federation.schemas import Health, SignedMessage, SignedRequest, SignedResponse

router = APIRouter(prefix="/api/v1/federation", tags=["federation"])


@router.get("/descriptor", response_class=PlainTextResponse)
def descriptor(session: DbSession) -> PlainTextResponse:
    """This node's descriptor: a compact JWS (typ oo-node+jwt) signed with its node key."""
    return PlainTextResponse(service.descriptor(session), media_type="application/jwt")


@router.get("/health", response_model=Health)
def health(session: DbSession) -> Health:
    node = service.this_node(session)
    return Health(node_id=node.node_id, name=node.name, status="ok")


Handler = Callable[[Session, str, Settings], serve.Served]


def _answer(
    request: Request, session: Session, token: str | None, handle: Handler, refused: str
) -> SignedResponse:
    """Run `handle` on a signed message; a refusal is logged apart (its own transaction,
    as the message's was rolled back) and answered as problem+json."""
    started = time.perf_counter()
    token = (token or "").strip()
    try:
        if not token:
            raise Unauthorized("the message is not signed: send {\"request\": <JWS>}",
                               code="unsigned-message")  # fmt: skip
        served = handle(session, token, request.app.state.settings)
        ms = (time.perf_counter() - started) * 1000
        service.log_message(session, "in", served.peer.node_id, served.resource, 200, "", ms)
        return SignedResponse(response=served.response)
    except Problem as problem:
        ms = (time.perf_counter() - started) * 1000
        session.rollback()  # let go of the write lock (a nonce) before logging apart
        with get_db(request).session() as other:
            serve.refused(other, token, problem, ms, refused)
        raise


@router.post("/query", response_model=SignedResponse)
def query(body: SignedRequest, request: Request, session: DbSession) -> SignedResponse:
    """Answer a peer's signed query with a signed response.

    Errors: 401 unsigned, unknown node, bad signature, wrong audience or expired; 409 a
    replayed nonce; 403 not offered, no grant or another purpose; then the gateway's own
    (404, 422, 429, 502, 504)."""
    return _answer(request, session, body.request, serve.answer, "federation.query.refused")


@router.post("/cases", response_model=SignedResponse)
def routed_case(body: SignedMessage, request: Request, session: DbSession) -> SignedResponse:
    """Take a 跨省通办 case a peer routed here (oo-fedcase+jwt); a signed receipt naming
    this province's reference. Errors as for a query; 403 `no-grant` when this node
    does not take that item from that peer, `item-not-served` when it has no such item;
    422 when the case lacks a material."""
    return _answer(request, session, body.request, home.receive, "federation.case.refused")


@router.post("/case-results", response_model=SignedResponse)
def case_result(body: SignedMessage, request: Request, session: DbSession) -> SignedResponse:
    """The home province's decision on a case routed from here (oo-fedresult+jwt), with
    its e-licence; a signed receipt. 404 `unknown-case` for a case not sent there."""
    return _answer(request, session, body.request, lambda s, t, _settings: routed.take_result(s, t),
                   "federation.case.refused")  # fmt: skip
