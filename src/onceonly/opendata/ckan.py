"""The CKAN Action API (read side) under /api/3/action/ and /api/action/.

Answers in CKAN's envelope `{"help", "success", "result"}` and CKAN's error form
(`{"__type": "Not Found Error", "message": …}` with 404, validation errors with 409,
authorization errors with 403), for GET with query parameters and for JSON POST, so
CKAN clients (ckanapi, CKAN harvesters) work unchanged. Packages are the public
datasets; organizations are departments; groups are DCAT-AP themes.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from onceonly.core import errors
from onceonly.core.db import Database
from onceonly.core.errors import Invalid, NotFound, Problem
from onceonly.opendata import access, service
from onceonly.opendata.ckan_search import (
    DATASTORE_TYPES,
    organization_dict,
    package_dict,
    public_datasets,
    resource_ids,
    search_packages,
)
from onceonly.opendata.rows import RowQuery, parse_sort
from onceonly.web.i18n import current_locale

router = APIRouter(tags=["ckan"])
PREFIXES = ("/api/3/action/", "/api/action/")
CKAN_VERSION = "2.10.4"
ERROR_TYPES = {
    404: "Not Found Error",
    409: "Validation Error",
    422: "Validation Error",
    403: "Authorization Error",
    401: "Authorization Error",
}


def _help(request: Request) -> str:
    action = request.url.path.rsplit("/", 1)[-1]
    return f"{request.base_url}api/3/action/help_show?name={action}"


def render_ckan(request: Request, problem: Problem) -> Response:
    status = 409 if problem.status == 422 else problem.status
    error: dict[str, Any] = {
        "__type": ERROR_TYPES.get(status, "Bad Request"),
        "message": problem.detail,
    }
    if status == 409:
        for item in problem.extra.get("errors", []):
            error[item.get("field", "body")] = [
                item.get("reason") or item.get("message") or problem.detail
            ]
    if status >= 500:
        error["__type"] = "Internal Server Error"
    return JSONResponse(
        {"help": _help(request), "success": False, "error": error}, status_code=status
    )


for _prefix in PREFIXES:
    errors.register_renderer(_prefix, render_ckan)


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        body = await request.body()
        if body:
            content_type = request.headers.get("content-type", "")
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/")):
                params.update(dict(await request.form()))
            else:
                try:
                    data = json.loads(body)
                except ValueError:
                    raise Invalid("the request body is not valid JSON") from None
                if not isinstance(data, dict):
                    raise Invalid("the request body must be a JSON object")
                params.update(data)
    return params


def _int(params: dict[str, Any], name: str, default: int, top: int) -> int:
    try:
        value = int(params.get(name, default))
    except (TypeError, ValueError):
        raise Invalid(
            f"{name} must be an integer", errors=[{"field": name, "reason": "Invalid integer"}]
        ) from None
    if not 0 <= value <= top:
        raise Invalid(
            f"{name} must be between 0 and {top}",
            errors=[{"field": name, "reason": "Out of range"}],
        )
    return value


def _json_param(params: dict[str, Any], name: str, default: Any) -> Any:
    value = params.get(name, default)
    if isinstance(value, str) and value.startswith(("[", "{")):
        try:
            return json.loads(value)
        except ValueError:
            raise Invalid(
                f"{name} is not valid JSON", errors=[{"field": name, "reason": "Invalid JSON"}]
            ) from None
    return value


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not value:
        raise Invalid(f"{name} is required", errors=[{"field": name, "reason": "Missing value"}])
    return str(value)


# Actions ------------------------------------------------------------------------------


def package_list(session: Session, params: dict[str, Any], base: str) -> Any:
    names = [d.resource.code for d in public_datasets(session)]
    offset = _int(params, "offset", 0, 10**9)
    limit = _int(params, "limit", len(names), 10**6)
    return names[offset : offset + limit]


def package_search(session: Session, params: dict[str, Any], base: str) -> Any:
    facet_fields = _json_param(params, "facet.field", [])
    if isinstance(facet_fields, str):
        facet_fields = [facet_fields]
    return search_packages(
        session,
        base,
        q=str(params.get("q", "") or ""),
        fq=str(params.get("fq", "") or ""),
        rows=_int(params, "rows", 10, 1000),
        start=_int(params, "start", 0, 10**9),
        sort=str(params.get("sort", "") or ""),
        facet_fields=list(facet_fields),
        facet_limit=_int(params, "facet.limit", 50, 1000),
    )


def package_show(session: Session, params: dict[str, Any], base: str) -> Any:
    code = _required(params, "id")
    for dataset in public_datasets(session):
        if code in (dataset.resource.code, str(dataset.id)):
            return package_dict(dataset, base)
    raise NotFound("Not found")


def resource_show(session: Session, params: dict[str, Any], base: str) -> Any:
    wanted = _required(params, "id")
    for dataset in public_datasets(session):
        if wanted in resource_ids(dataset.resource.code).values():
            package = package_dict(dataset, base)
            return next(r for r in package["resources"] if r["id"] == wanted)
    raise NotFound("Resource was not found.")


def organization_list(session: Session, params: dict[str, Any], base: str) -> Any:
    departments = {
        d.resource.department.code: d.resource.department for d in public_datasets(session)
    }
    counts: dict[str, int] = {}
    for d in public_datasets(session):
        counts[d.resource.department.code] = counts.get(d.resource.department.code, 0) + 1
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [organization_dict(departments[c], counts[c]) for c in sorted(departments)]
    return sorted(departments)


def organization_show(session: Session, params: dict[str, Any], base: str) -> Any:
    code = _required(params, "id")
    datasets = [
        d
        for d in public_datasets(session)
        if code in (d.resource.department.code, str(d.resource.department_id))
    ]
    if not datasets:
        raise NotFound("Organization was not found.")
    result = organization_dict(datasets[0].resource.department, len(datasets))
    if str(params.get("include_datasets", "")).lower() in ("true", "1"):
        result["packages"] = [package_dict(d, base) for d in datasets]
    return result


def group_list(session: Session, params: dict[str, Any], base: str) -> Any:
    themes = sorted({d.theme.lower() for d in public_datasets(session)})
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [
            {
                "name": t,
                "title": service.THEME_TITLES.get(t.upper(), t),
                "package_count": sum(1 for d in public_datasets(session) if d.theme.lower() == t),
            }
            for t in themes
        ]
    return themes


def tag_list(session: Session, params: dict[str, Any], base: str) -> Any:
    tags = sorted({t for d in public_datasets(session) for t in d.resource.tags})
    query = str(params.get("query", "") or "").lower()
    return [t for t in tags if query in t.lower()]


def status_show(session: Session, params: dict[str, Any], base: str) -> Any:
    return {
        "site_title": "onceonly open data",
        "site_url": base.rstrip("/"),
        "site_description": "Open government data published by the onceonly platform",
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": current_locale.get().replace("_", "-"),
        "extensions": ["datastore", "dcat"],
    }


def datastore_search(request: Request, session: Session, params: dict[str, Any], base: str) -> Any:
    wanted = _required(params, "resource_id")
    code = next(
        (
            d.resource.code
            for d in public_datasets(session)
            if wanted == d.resource.code or wanted in resource_ids(d.resource.code).values()
        ),
        None,
    )
    if code is None:
        raise NotFound(f'Resource "{wanted}" was not found.')
    db: Database = request.app.state.db
    snapshot = access.public_snapshot(db, request.app.state.settings.data_dir, code)
    filters = _json_param(params, "filters", {}) or {}
    q = _json_param(params, "q", "") or ""
    if not isinstance(filters, dict):
        raise Invalid(
            "filters must be a JSON object",
            errors=[{"field": "filters", "reason": "Not a JSON object"}],
        )
    conditions: list[tuple[str, str, Any]] = [(k, "eq", v) for k, v in filters.items()]
    if isinstance(q, dict):  # {field: term}: the term anywhere in that field
        conditions += [(k, "contains", str(v)) for k, v in q.items()]
        q = ""
    fields = _json_param(params, "fields", None)
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    limit = _int(params, "limit", 100, 1000)
    offset = _int(params, "offset", 0, 10**9)
    query = RowQuery(
        filters=conditions,
        q=str(q),
        sort=parse_sort(str(params.get("sort", "") or "")),
        fields=[f for f in fields if f != "_id"] if fields else None,
        limit=limit,
        offset=offset,
    )
    names, records, total = snapshot.page(query)
    path = request.url.path
    return {
        "resource_id": wanted,
        "fields": [
            {
                "id": n,
                "type": DATASTORE_TYPES.get(snapshot.columns.get(n, "INTEGER"), "text")
                if n != "_id"
                else "int",
            }
            for n in names
        ],
        "records": [dict(zip(names, r, strict=True)) for r in records],
        "total": total,
        "limit": limit,
        "offset": offset,
        "filters": filters,
        **({"q": q} if q else {}),
        **({"sort": params["sort"]} if params.get("sort") else {}),
        "_links": {
            "start": f"{path}?resource_id={wanted}",
            "next": f"{path}?resource_id={wanted}&offset={offset + limit}",
        },
    }


ACTIONS = {
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "resource_show": resource_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "tag_list": tag_list,
    "status_show": status_show,
}


async def _dispatch(action: str, request: Request) -> Response:
    params = await _params(request)
    base = str(request.base_url)
    db: Database = request.app.state.db
    if action != "datastore_search" and action not in ACTIONS:
        raise Problem(f"Action name not known: {action}", status=400, code="unknown-action")

    def run() -> Any:
        with db.session() as session:
            if action == "datastore_search":
                return datastore_search(request, session, params, base)
            return ACTIONS[action](session, params, base)

    result = await run_in_threadpool(run)
    return JSONResponse({"help": _help(request), "success": True, "result": result})


@router.api_route("/api/3/action/{action}", methods=["GET", "POST"])
async def action_v3(action: str, request: Request) -> Response:
    """CKAN Action API: package_list, package_search, package_show, resource_show,
    organization_list, organization_show, group_list, tag_list, status_show, datastore_search."""
    return await _dispatch(action, request)


@router.api_route("/api/action/{action}", methods=["GET", "POST"])
async def action(action: str, request: Request) -> Response:
    """The same actions without the version in the path."""
    return await _dispatch(action, request)
