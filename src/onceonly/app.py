"""Build the ASGI app: settings, database, middleware, and every domain's routers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from onceonly import __version__
from onceonly.audit.log import sequencer
from onceonly.core import errors, openapi
from onceonly.core.db import Database
from onceonly.core.edge import BodyLimits, ContainCrashes, SecurityHeaders
from onceonly.core.observe import EdgeMiddleware
from onceonly.core.redact import redact_access_log
from onceonly.core.registry import domain_modules
from onceonly.core.sessions import ServerSessions
from onceonly.core.settings import Settings, get_settings
from onceonly.web.i18n import current_locale, negotiate
from onceonly.web.templating import problem_page

API_DESCRIPTION = """The onceonly APIs for systems: the exchange gateway, licences,
Open311 (under /open311/v2) and the CKAN Action API (under /api/3/action).
Authenticate with `Authorization: Bearer <API key>`; errors are RFC 9457 problem+json."""


def _lifespan(settings: Settings, db: Database) -> Callable[[FastAPI], Any]:
    """Start the embedded audit sequencer with the app (unless it runs as its own
    process: ONCEONLY_AUDIT_SEQUENCER=external) and stop it with the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.audit_sequencer != "embedded":
            yield
            return
        thread, stop = sequencer.start_embedded(db, settings)
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=10)

    return lifespan


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = db or Database(settings.database_url)
    app = FastAPI(
        title="onceonly",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=_lifespan(settings, db),
    )
    app.state.settings = settings
    app.state.db = db

    errors.install(app)
    redact_access_log()
    errors.set_page_renderer(problem_page)
    openapi.install(app)
    app.add_middleware(ContainCrashes)  # innermost: catches what the routes let escape

    @app.middleware("http")
    async def locale(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        token = current_locale.set(
            negotiate(request.cookies.get("lang"), request.headers.get("accept-language"))
        )
        try:
            response = await call_next(request)
        finally:
            current_locale.reset(token)
        return response

    app.add_middleware(
        ServerSessions,
        db=db,
        max_age=settings.session_max_age,
        idle=settings.session_idle,
        https_only=settings.secure_cookies,
        trusted_origins=(settings.base_url,),
    )
    app.add_middleware(
        BodyLimits, max_body=settings.max_body_bytes, max_depth=settings.max_json_depth
    )
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    # Outermost: every request is counted and carries its id, errors included.
    app.add_middleware(EdgeMiddleware)

    static_dir = resources.files("onceonly.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")

    # JSON APIs first, pages last: the web shell's catch-alls must not shadow an API.
    for part in ("api", "pages"):
        for _domain, module in domain_modules(part):
            app.include_router(module.router)
    return app
