"""The CKAN Action API under /api/3/action/ and /api/action/: routes, envelope, errors.

Answers in CKAN's envelope `{"help", "success", "result"}` and CKAN's error form
(`{"__type": "Not Found Error", "message": …}` with 404, validation errors with 409,
authorization errors with 403), for GET with query parameters and for JSON POST, so
CKAN clients (ckanapi, CKAN harvesters) work unchanged. Packages are the public
datasets; organizations are departments; groups are DCAT-AP themes.
"""

from __future__ import annotations

import hmac
import inspect
import json
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from onceonly.core import errors
from onceonly.core.db import Database
from onceonly.core.deps import CSRF_HEADER, session_user_id
from onceonly.core.errors import Forbidden, Invalid, NotFound, Problem
from onceonly.core.openapi import register_error_shape
from onceonly.opendata.ckan import datastore, datastore_write, read, stored, tokens, write
from onceonly.opendata.ckan.params import Call

router = APIRouter(tags=["ckan"])
PREFIXES = ("/api/3/action/", "/api/action/")
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


Action = Callable[[Call], Any]


def _by_name(*actions: Action) -> dict[str, Action]:
    """CKAN calls an action by its function's name."""
    return {action.__name__: action for action in actions}


ACTIONS = _by_name(
    read.package_list,
    read.package_search,
    read.package_show,
    read.resource_show,
    read.organization_list,
    read.organization_show,
    read.group_list,
    read.group_show,
    read.tag_list,
    read.license_list,
    read.status_show,
    datastore.datastore_search,
    datastore.datastore_info,
    datastore.datastore_search_sql,
)
# Actions that change something: POST only, and they need an API token.
WRITE_ACTIONS = _by_name(
    write.package_create,
    write.package_update,
    write.package_patch,
    write.package_delete,
    write.resource_create,
    write.resource_update,
    write.resource_patch,
    write.resource_delete,
    datastore_write.datastore_create,
    datastore_write.datastore_upsert,
    datastore_write.datastore_delete,
    tokens.api_token_create,
    tokens.api_token_revoke,
)
# Organizations are departments and groups are DCAT-AP themes: not made through CKAN.
REFUSED_ACTIONS = {"organization_create", "organization_update", "group_create", "group_update"}
ACTIONS["api_token_list"] = tokens.api_token_list


def help_show(call: Call) -> Any:
    """The documentation of an action. Parameters: name."""
    name = call.required("name")
    function = (
        ACTIONS.get(name) or WRITE_ACTIONS.get(name) or (help_show if name == "help_show" else None)
    )
    if function is None:
        raise NotFound(f"Action name not known: {name}")
    return inspect.getdoc(function)


ACTIONS["help_show"] = help_show


def _session_uid(request: Request) -> int | None:
    """A signed-in staff user, for the token actions a browser calls: a POST counts only
    with the session's CSRF token in the header, so another site cannot act for them."""
    if "session" not in request.scope:
        return None
    if request.method == "POST":
        sent, expected = request.headers.get(CSRF_HEADER), request.session.get("csrf")
        if not sent or not expected or not hmac.compare_digest(sent, str(expected)):
            return None
    return session_user_id(request)


def _token(request: Request) -> str:
    header = request.headers.get("authorization") or request.headers.get("x-ckan-api-key") or ""
    scheme, _, rest = header.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else header.strip()


async def _dispatch(action: str, request: Request) -> Response:
    params = await _params(request)
    if action in REFUSED_ACTIONS:
        raise Forbidden(f"Action {action} is not offered: departments are managed in onceonly")
    function = ACTIONS.get(action) or WRITE_ACTIONS.get(action)
    if function is None:
        raise Problem(f"Action name not known: {action}", status=400, code="unknown-action")
    if action in WRITE_ACTIONS and request.method != "POST":
        raise Problem(f"Action {action} must be called with POST", status=400, code="post-only")
    db: Database = request.app.state.db
    data_dir = request.app.state.settings.data_dir
    token, session_uid = _token(request), _session_uid(request)

    def run() -> Any:
        with db.session() as session:
            call = Call(session, params, str(request.base_url), request.url.path, data_dir)
            call.token, call.session_uid = token, session_uid
            return function(call)

    result = await run_in_threadpool(run)
    return JSONResponse({"help": _help(request), "success": True, "result": result})


@router.get(
    "/dataset/{package_id}/resource/{resource_id}/download/{filename}",
    operation_id="ckan_resource_download",
    response_class=FileResponse,
)
def resource_download(
    package_id: uuid.UUID, resource_id: uuid.UUID, filename: str, request: Request
) -> FileResponse:
    """A file uploaded to a resource with resource_create, at CKAN's download address."""
    db: Database = request.app.state.db
    with db.session() as session:
        resource = stored.get_resource(session, str(resource_id))
        if resource.package_id != str(package_id) or resource.upload_name != filename:
            raise NotFound("Resource was not found.")
        path = stored.upload_path(request.app.state.settings.data_dir, resource)
        media = resource.meta.get("mimetype") or None
    if not path.is_file():
        raise NotFound("The file of this resource is missing.")
    return FileResponse(path, media_type=media, filename=filename)


@router.get("/api/3", operation_id="ckan_api_version")
@router.get("/api", operation_id="ckan_api_version_unversioned", include_in_schema=False)
def api_version() -> dict[str, int]:
    """The Action API's version, as CKAN answers it."""
    return {"version": 3}


BODY = {
    "requestBody": {
        "required": False,
        "description": "The action's parameters as a JSON object (or a form)",
        "content": {
            media: {"schema": {"type": "object", "additionalProperties": True}}
            for media in (
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            )
        },
    }
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "CKAN's error envelope",
    "properties": {
        "help": {"type": "string"},
        "success": {"type": "boolean", "enum": [False]},
        "error": {
            "type": "object",
            "properties": {"__type": {"type": "string"}, "message": {"type": "string"}},
            "additionalProperties": True,
        },
    },
    "required": ["help", "success", "error"],
}
for _prefix in PREFIXES:
    register_error_shape(_prefix, "CkanError", ERROR_SCHEMA)


async def action_endpoint(action: str, request: Request) -> Response:
    """CKAN Action API: see docs/opendata.md for the actions and their parameters."""
    return await _dispatch(action, request)


for _prefix, _suffix in (("/api/3/action", "_v3"), ("/api/action", "")):
    for _method, _extra in (("GET", None), ("POST", BODY)):
        router.add_api_route(
            f"{_prefix}/{{action}}",
            action_endpoint,
            methods=[_method],
            operation_id=f"ckan_action_{_method.lower()}{_suffix}",
            summary=f"CKAN action ({_method})",
            openapi_extra=_extra,
        )
