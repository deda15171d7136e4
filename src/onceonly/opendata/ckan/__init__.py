"""The CKAN Action API: `api` (routes, envelope, errors), `shapes` (packages,
resources, organizations, groups), `search` (package_search), `read` (the other read
actions), `datastore` (datastore_search, datastore_info, datastore_search_sql),
`tokens` (per-user API tokens), `write` and `datastore_write` (the write actions over
`models`), `harvest` (importing another portal's catalog)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # The router is imported on first use, so that `opendata.models` can import this
    # package's tables without pulling in the routes (and their imports) first.
    if name == "router":
        from onceonly.opendata.ckan.api import router

        return router
    raise AttributeError(name)
