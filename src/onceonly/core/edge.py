"""The edge: limits every request body meets before a route parses it.

`BodyLimits` reads each body within its limit (the app's, or a larger one a route that
takes files declares with `max_body_size=UPLOAD_BYTES`) and answers 413 past it; it scans
the nesting (never parsing) and answers 400 past `max_depth`, before any `json.loads`
could recurse. Both are problem responses, as every other refusal.
`ContainCrashes` turns an unhandled error into a 500 that keeps the connection open.
`HttpOnly` is the base of the middlewares that act on HTTP requests only.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.requests import Request
from starlette.routing import Match

from onceonly.core import errors
from onceonly.core.errors import Problem

log = logging.getLogger("onceonly.errors")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Routes that take a file (a photo, an application's material, a sharing list).
UPLOAD_BYTES = 25 * 1024 * 1024
FORM_TYPES = (b"multipart/form-data", b"application/x-www-form-urlencoded")


class DepthScan:
    """Bracket nesting outside JSON strings, fed chunk by chunk."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.depth = 0
        self.in_string = False
        self.escaped = False

    def feed(self, chunk: bytes) -> int:
        """-1, or the index in `chunk` of the bracket that passes the limit."""
        for index, byte in enumerate(chunk):
            if self.in_string:
                if self.escaped:
                    self.escaped = False
                elif byte == 0x5C:  # backslash
                    self.escaped = True
                elif byte == 0x22:  # quote
                    self.in_string = False
            elif byte == 0x22:
                self.in_string = True
            elif byte in (0x5B, 0x7B):  # [ {
                self.depth += 1
                if self.depth > self.limit:
                    return index
            elif byte in (0x5D, 0x7D):  # ] }
                self.depth -= 1
        return -1


class BodyLimits:
    """ASGI middleware: a body may be at most `max_body` bytes (413), or what its route
    declares with `max_body_size=`; any body but a form may nest at most `max_depth`
    levels (400; any content type, as CKAN reads JSON sent as text/plain).

    The body is read here, within the limit, before the route runs: a refusal is always a
    clean problem response, and the route gets the body as it came."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_depth: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_depth = max_depth

    def limit_for(self, scope: Scope) -> int:
        for context in iter_route_contexts(scope["app"].routes):
            declared = getattr(context, "max_body_size", None)
            if declared is not None and context.matches(scope)[0] is Match.FULL:
                return int(declared)
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        limit = self.limit_for(scope)
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, _too_large(limit))
            return
        scan = None
        if not headers.get(b"content-type", b"").lower().startswith(FORM_TYPES):
            scan = DepthScan(self.max_depth)
        read: list[Message] = []
        size = 0
        more = True
        while more:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(scope, receive, send, _too_large(limit))
                return
            if scan is not None and scan.feed(chunk) >= 0:
                problem = Problem(
                    f"JSON may nest at most {self.max_depth} levels", code="json-too-deep"
                )
                await _refuse(scope, receive, send, problem)
                return
            more = message.get("more_body", False)

        async def replayed() -> Message:
            return read.pop(0) if read else await receive()

        await self.app(scope, replayed, send)


def _too_large(limit: int) -> Problem:
    return Problem(
        f"the request body may be at most {limit} bytes",
        status=413,
        code="body-too-large",
        title="Request body too large",
    )


async def _refuse(scope: Scope, receive: Receive, send: Send, problem: Problem) -> None:
    response = errors.render(Request(scope), problem)
    response.headers["connection"] = "close"  # the rest of the body is not read
    await response(scope, receive, send)


class HttpOnly:
    """An ASGI middleware that works on HTTP requests only: lifespan and websocket scopes
    pass through to `app` untouched. A subclass says what it does in `handle`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class ContainCrashes(HttpOnly):
    """ASGI middleware: an unhandled error answers 500 problem+json and ends there.

    Starlette's own last resort sends the 500 and then re-raises, and uvicorn answers a
    re-raised error by closing the connection: the client's next request on that
    keep-alive connection was reset. Here the error is logged and swallowed once the
    answer is out (also for an error in a background task after the response)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                return  # the answer went out; the connection stays usable
            response = errors.render(Request(scope), errors.internal_error())
            await response(scope, receive, send)


# The pages use their own scripts only (HTMX from /static). Two inline handlers remain in
# templates; 'unsafe-hashes' allows exactly those, by hash. Styles may be inline (HTMX
# adds its indicator style; a few templates set widths).
INLINE_HANDLERS = (
    "this.action='/console/appeals/'+this.elements.id.value",
    "this.form.submit()",
)
PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-hashes' {hashes}; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc load Swagger UI and ReDoc from jsDelivr with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


class SecurityHeaders(HttpOnly):
    """ASGI middleware: the same protective headers on every response, pages and APIs."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        super().__init__(app)
        hashes = " ".join(_csp_hash(handler) for handler in INLINE_HANDLERS)
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
        ]
        if hsts:
            common.append((b"strict-transport-security", b"max-age=31536000"))
        self.page = [*common, (b"content-security-policy", PAGE_CSP.format(hashes=hashes).encode())]
        self.docs = [*common, (b"content-security-policy", DOCS_CSP.encode())]

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        docs = scope["path"].startswith(("/docs", "/redoc"))
        extra = self.docs if docs else self.page

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((name, value) for name, value in extra if name not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
