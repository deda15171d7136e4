"""The CKAN Action API: `api` (routes, envelope, errors), `shapes` (packages,
resources, organizations, groups), `search` (package_search), `read` (the other read
actions), `datastore` (datastore_search, datastore_info, datastore_search_sql)."""

from onceonly.opendata.ckan.api import router

__all__ = ["router"]
