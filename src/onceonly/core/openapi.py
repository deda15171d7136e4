"""The OpenAPI document as the server really answers: errors are problem+json.

FastAPI documents every validation failure as its own `HTTPValidationError`, while
`core.errors` answers RFC 9457 problem+json. `install(app)` rewrites the generated
document once: each operation's 422 and a `default` response point at the problem
shape, or at the error shape a standard API registered for its path prefix (CKAN's
envelope, Open311's error array) with `register_error_shape`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from onceonly.core.errors import PROBLEM_MEDIA_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

# (path prefix, schema name, media type, schema), longest prefix first.
_shapes: list[tuple[str, str, str, dict[str, Any]]] = []


def register_error_shape(
    path_prefix: str, name: str, schema: dict[str, Any], media_type: str = "application/json"
) -> None:
    """Document the errors under `path_prefix` with a standard's own shape."""
    if any(prefix == path_prefix for prefix, *_ in _shapes):
        return
    _shapes.append((path_prefix, name, media_type, schema))
    _shapes.sort(key=lambda item: len(item[0]), reverse=True)


# (path prefix, schema name, schema): what a standard's generic routes answer on success.
_answers: list[tuple[str, str, dict[str, Any]]] = []


def register_answer_shape(path_prefix: str, name: str, schema: dict[str, Any]) -> None:
    """Document the JSON answers of untyped routes under `path_prefix` (a standard's
    envelope, such as CKAN's, whose result depends on the action called)."""
    if all(prefix != path_prefix for prefix, *_ in _answers):
        _answers.append((path_prefix, name, schema))


def _document_answers(path: str, responses: dict[str, Any], components: dict[str, Any]) -> None:
    for prefix, name, schema in _answers:
        if not path.startswith(prefix):
            continue
        components[name] = schema
        for status, response in responses.items():
            json_content = response.get("content", {}).get("application/json")
            if (
                status.startswith("2")
                and json_content is not None
                and not json_content.get("schema")
            ):
                json_content["schema"] = {"$ref": f"#/components/schemas/{name}"}


def _error_response(path: str) -> tuple[str, dict[str, Any]]:
    for prefix, name, media_type, _schema in _shapes:
        if path.startswith(prefix):
            return name, {
                "description": "Error",
                "content": {media_type: {"schema": {"$ref": f"#/components/schemas/{name}"}}},
            }
    return "Problem", {
        "description": "Error (RFC 9457 problem details)",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def rewrite(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for _prefix, name, _media, shape in _shapes:
        components[name] = shape
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            _document_answers(path, responses, components)
            _name, response = _error_response(path)
            if "422" in responses:
                responses["422"] = {**response, "description": "Invalid input"}
            responses.setdefault("default", response)
    components.pop("HTTPValidationError", None)
    if '"#/components/schemas/ValidationError"' not in repr(schema).replace("'", '"'):
        components.pop("ValidationError", None)
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = rewrite(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
