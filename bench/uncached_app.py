"""The app with the exchange gateway's cache (`core.cache`) switched off, for
`bench/exchange_gateway.py --cache-ab` only: every call reads its client, grant and
resource from the database. Each uvicorn worker imports this factory, so the switch
holds in every worker; it is not a setting the product has."""

from __future__ import annotations

from fastapi import FastAPI

from onceonly import app
from onceonly.core.cache import SharedCache


def create_app() -> FastAPI:
    SharedCache.get = lambda self, session, key, load: load()  # type: ignore[method-assign]
    return app.create_app()
