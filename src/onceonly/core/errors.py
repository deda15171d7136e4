"""Errors as RFC 9457 problem details, with a stable `type` per error.

Services raise `Problem` (or a subclass); the app turns it into problem+json for API
clients and into a readable page for browsers. Standards with their own error bodies
(Open311, CKAN) register a renderer for their path prefix with `register_renderer`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("onceonly.errors")

PROBLEM_BASE = "https://onceonly.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """A failure the client should understand. `code` becomes the problem `type`."""

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if title is not None:
            self.title = title
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            data["instance"] = instance
        data.update(self.extra)
        return data


class NotFound(Problem):
    status, code, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, code, title = 409, "conflict", "Conflict"


class Unauthorized(Problem):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(Problem):
    status, code, title = 403, "forbidden", "Forbidden"


class Invalid(Problem):
    status, code, title = 422, "validation-error", "Invalid input"


class TooManyRequests(Problem):
    status, code, title = 429, "rate-limited", "Too many requests"


class UpstreamError(Problem):
    status, code, title = 502, "upstream-error", "The data provider failed"


class UpstreamTimeout(Problem):
    status, code, title = 504, "upstream-timeout", "The data provider did not answer in time"


# A renderer turns a Problem into a response for one part of the URL space.
Renderer = Callable[[Request, Problem], Response]
_renderers: list[tuple[str, Renderer]] = []
_page_renderer: Renderer | None = None


def register_renderer(path_prefix: str, renderer: Renderer) -> None:
    """Let a standard API (CKAN, Open311) render errors in its own form."""
    _renderers.append((path_prefix, renderer))
    _renderers.sort(key=lambda item: len(item[0]), reverse=True)


def set_page_renderer(renderer: Renderer) -> None:
    global _page_renderer
    _page_renderer = renderer


def problem_response(request: Request, problem: Problem) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return JSONResponse(
        problem.body(instance=request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/open311/", "/.well-known/", "/docs", "/openapi")):
        return False
    return "text/html" in request.headers.get("accept", "")


def render(request: Request, problem: Problem) -> Response:
    for prefix, renderer in _renderers:
        if request.url.path.startswith(prefix):
            return renderer(request, problem)
    if _page_renderer is not None and _wants_html(request):
        return _page_renderer(request, problem)
    return problem_response(request, problem)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


def validation_problem(errors: list[dict[str, Any]]) -> Invalid:
    fields = [{"field": _field_name(tuple(e["loc"])), "message": e["msg"]} for e in errors]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return Invalid(detail, errors=fields)


def internal_error() -> Problem:
    return Problem(
        "The server failed to handle this request. It has been logged.",
        status=500,
        code="internal-error",
        title="Internal server error",
    )


def install(app: FastAPI) -> None:
    """Route every failure through `render`: no stack trace ever reaches a client."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return render(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return render(request, validation_problem(list(exc.errors())))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        problem = Problem(
            str(exc.detail),
            status=exc.status_code,
            code="not-found" if exc.status_code == 404 else f"http-{exc.status_code}",
            title="Not found" if exc.status_code == 404 else "HTTP error",
        )
        if exc.status_code == 404 and exc.detail == "Not Found":
            problem.detail = f"No route for {request.method} {request.url.path}"
        response = render(request, problem)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_model(request: Request, exc: Exception) -> Response:
        # A service validating what a form typed (Model.model_validate) refuses it here.
        assert isinstance(exc, ValidationError)
        return render(request, validation_problem([dict(e) for e in exc.errors()]))

    async def on_overflow(request: Request, exc: Exception) -> Response:
        # Defence in depth: a number too large for the database that a schema let through.
        return render(request, Invalid("a number is out of range", code="out-of-range"))

    async def on_data(request: Request, exc: Exception) -> Response:
        # The database refused a value a client sent (a NUL byte in text, a number out
        # of a column's range): the client's mistake, not the server's.
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path,
                    type(getattr(exc, "orig", exc)).__name__)  # fmt: skip
        return render(request, Invalid("a value is not acceptable here", code="bad-value"))

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, internal_error())

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_model)
    app.add_exception_handler(OverflowError, on_overflow)
    app.add_exception_handler(DataError, on_data)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
