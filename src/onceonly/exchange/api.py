"""The gateway: `POST /api/v1/exchange/{resource_code}/query` for system clients.

With ONCEONLY_BENCH_ROUTES=1 in the environment (benchmarks only) a bare route runs the
same source query with no authentication, grant, masking or audit, as a baseline.
"""

from __future__ import annotations

import os
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from onceonly.core import metrics
from onceonly.core.deps import DbSession
from onceonly.core.errors import Problem
from onceonly.exchange import service
from onceonly.exchange.connectors import connector_for
from onceonly.exchange.gateway.auth import gateway_client
from onceonly.exchange.schemas import QueryIn, QueryOut
from onceonly.identity.models import Client

BENCH_FLAG = "ONCEONLY_BENCH_ROUTES"

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
QueryClient = Annotated[Client, Depends(gateway_client)]


@router.post("/{resource_code}/query", response_model=QueryOut)
def query(
    resource_code: str, body: QueryIn, request: Request, session: DbSession, client: QueryClient
) -> QueryOut:
    """Read granted fields of a resource for a subject key or exact-match filters.

    Errors: 404 unknown resource; 403 no live grant or fields not granted; 422 a bad
    subject key; 429 over the grant's rate limit; 502/504 the provider failed or was slow.
    """
    started = time.perf_counter()
    department = metrics.department_label(session, client.department_id)
    try:
        answer = service.query(
            session,
            client,
            resource_code,
            body,
            purpose_ref=request.headers.get("x-purpose-ref", "")[:200],
            settings=request.app.state.settings,
        )
    except Problem as problem:
        metrics.gateway_call(department, resource_code[:60], problem.code)
        # Whatever the call wrote is undone; the refusal itself is kept for the figures.
        ms = (time.perf_counter() - started) * 1000
        session.rollback()
        service.record_failure(session, resource_code, client.id, problem.status, ms)
        session.commit()
        raise
    metrics.gateway_call(department, answer.resource_code)
    return answer


def bare_query(resource_code: str, body: QueryIn, request: Request, session: DbSession) -> QueryOut:
    """Benchmark baseline: the source query alone (no auth, grant, masking or audit)."""
    resource = service.resource_info(session, resource_code)
    fields = body.fields or list(resource.spec.fields)
    connector = connector_for(resource.kind, resource.spec, request.app.state.settings)
    rows = connector.fetch(body.subject_key, body.filters, fields, body.page_size, 0)
    return QueryOut(resource_code=resource.code, fields=fields, rows=rows, masked=[])


if os.environ.get(BENCH_FLAG) == "1":
    router.add_api_route(
        "/{resource_code}/bare", bare_query, methods=["POST"], response_model=QueryOut
    )
