"""The edge of every HTTP request: its id, and its count and time in the metrics."""

from __future__ import annotations

import time
import uuid

from starlette.types import Message, Receive, Scope, Send

from onceonly.core import metrics
from onceonly.core.edge import HttpOnly
from onceonly.core.logs import ACCEPTED_ID, request_id


class EdgeMiddleware(HttpOnly):
    """Accepts a sane `X-Request-ID` or makes one, echoes it on the response, and counts
    and times the request by route template and status (errors included)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if ACCEPTED_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
            route, method = metrics.route_of(scope), scope["method"]
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
