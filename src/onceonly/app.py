"""Build the ASGI app: settings, database, middleware, and every domain's routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from onceonly import __version__
from onceonly.core import errors
from onceonly.core.crypto import derive_key
from onceonly.core.db import Database
from onceonly.core.edge import EdgeMiddleware
from onceonly.core.registry import domain_modules
from onceonly.core.settings import Settings, get_settings
from onceonly.web.i18n import current_locale, negotiate
from onceonly.web.templating import problem_page

API_DESCRIPTION = """The onceonly APIs for systems: the exchange gateway, licences,
Open311 (under /open311/v2) and the CKAN Action API (under /api/3/action).
Authenticate with `Authorization: Bearer <API key>`; errors are RFC 9457 problem+json."""


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = db or Database(settings.database_url)
    app = FastAPI(title="onceonly", version=__version__, description=API_DESCRIPTION)
    app.state.settings = settings
    app.state.db = db

    errors.install(app)
    errors.set_page_renderer(problem_page)

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

    session_secret = derive_key(settings.master_key_bytes(), "page-sessions").hex()
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret,
        session_cookie="onceonly_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )

    # Outermost: every request is counted and carries its id, errors included.
    app.add_middleware(EdgeMiddleware)

    static_dir = resources.files("onceonly.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")

    # JSON APIs first, pages last: the web shell's catch-alls must not shadow an API.
    for part in ("api", "pages"):
        for _domain, module in domain_modules(part):
            app.include_router(module.router)
    return app
