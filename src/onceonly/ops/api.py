"""`/healthz` (alive), `/readyz` (ready to serve) and `/metrics` (Prometheus)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from onceonly.core import health, metrics
from onceonly.core.deps import get_db
from onceonly.core.errors import Unauthorized
from onceonly.ops import checks  # noqa: F401  (registers the platform's checks)
from onceonly.ops.scrape import DatabaseFigures

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive (no database is touched)."""
    return {"status": "alive"}


class CheckOut(BaseModel):
    name: str
    ok: bool
    critical: bool
    detail: str
    ms: float


class ReadyOut(BaseModel):
    status: str  # "ready" or "not ready"
    checks: list[CheckOut]


@router.get(
    "/readyz",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "a critical check failed"}},
)
def readyz(request: Request) -> JSONResponse:
    """Ready when every critical check passes; connectors are reported, not required."""
    results = health.run_checks(get_db(request), request.app.state.settings)
    ready = health.is_ready(results)
    body: dict[str, Any] = {
        "status": "ready" if ready else "not ready",
        "checks": [
            {
                "name": r.name,
                "ok": r.ok,
                "critical": r.critical,
                "detail": r.detail,
                "ms": round(r.ms, 1),
            }
            for r in results
        ],
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
def prometheus(request: Request) -> Response:
    """Prometheus text format; with ONCEONLY_METRICS_TOKEN set, send it as a bearer."""
    settings = request.app.state.settings
    if settings.metrics_token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
            raise Unauthorized("the metrics token is missing or wrong", code="metrics-token")
    body, media_type = metrics.exposition(DatabaseFigures(get_db(request), settings))
    return Response(body, media_type=media_type)
