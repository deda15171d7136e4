"""The edge: no input makes a 500 — bounded integers, body size and JSON depth, crashes
that leave the keep-alive connection usable."""

from __future__ import annotations

import socket
import threading
import time
import typing
from collections.abc import Iterator

import annotated_types
import pytest
import uvicorn
from fastapi import APIRouter
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from onceonly.app import create_app
from onceonly.core.edge import DepthScan
from onceonly.core.settings import Settings

HUGE = str(2**63)
HUGER = "9" * 40
NOT_YET: set[tuple[str, str]] = set()


def _bounded(metadata: list[typing.Any]) -> bool:
    return any(
        isinstance(m, annotated_types.Le | annotated_types.Lt) or getattr(m, "le", None)
        for m in metadata
    )


def _is_int(annotation: typing.Any) -> bool:
    return annotation is int or int in typing.get_args(annotation)


def _models(annotation: typing.Any) -> Iterator[type[BaseModel]]:
    for candidate in (annotation, *typing.get_args(annotation)):
        for inner in (candidate, *typing.get_args(candidate)):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                yield inner


def _unbounded_in_model(model: type[BaseModel], seen: set[type]) -> Iterator[str]:
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        if _is_int(field.annotation) and not _bounded(field.metadata):
            yield f"{model.__name__}.{name}"
        for inner in _models(field.annotation):
            yield from _unbounded_in_model(inner, seen)


def _unbounded(dependant: typing.Any) -> Iterator[str]:
    params = [
        *dependant.path_params,
        *dependant.query_params,
        *dependant.body_params,
        *dependant.header_params,
    ]
    for param in params:
        info = param.field_info
        if _is_int(info.annotation) and not _bounded(info.metadata):
            yield param.name
        for model in _models(info.annotation):
            yield from _unbounded_in_model(model, set())
    for sub in dependant.dependencies:
        yield from _unbounded(sub)


def test_every_integer_a_client_sends_is_bounded(settings: Settings) -> None:
    """Walks every route of the app: a new route with a bare `int` fails here."""
    app = create_app(settings)
    found, walked = [], 0
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            walked += 1
            found += [(context.path, name) for name in _unbounded(route.dependant)]
    assert walked > 100, "the walk found (almost) no routes"
    assert set(found) <= NOT_YET, sorted(set(found) - NOT_YET)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/catalog/resources?offset={HUGE}",
        f"/catalog?offset={HUGER}",
        f"/open311/v2/requests/{HUGE}.json",
        f"/open311/v2/requests.json?service_request_id=1,{HUGER}",
        f"/api/opendata/datasets/any/rows?offset={HUGE}",
        f"/api/3/action/package_search?facet.limit={HUGER}",
    ],
)
def test_huge_numbers_are_refused_not_crashed(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])


def test_a_huge_ckan_rows_is_capped_as_ckan_does(client) -> None:  # type: ignore[no-untyped-def]
    """CKAN caps `rows` silently rather than refusing it (issue 19): no crash, a page."""
    response = client.get(f"/api/3/action/package_search?rows={HUGER}")
    assert response.status_code == 200 and response.json()["success"] is True


def test_a_nul_byte_in_a_search_is_no_crash(client) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL text cannot hold NUL: an answer or a 422, never a 500."""
    response = client.get("/api/v1/catalog/resources?q=a%00b&tag=%00")
    assert response.status_code in (200, 422), response.text[:300]


def test_huge_ids_in_forms_and_paths_of_signed_in_pages(demo_client) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import csrf_from, sign_in_staff

    sign_in_staff(demo_client, "dsb.platform")
    token = csrf_from(demo_client, "/workbench")
    for path in (
        f"/workbench/cases/{HUGE}",
        f"/console/appeals/{HUGER}",
        f"/workbench/catalog/needs/{2**31}",  # past PostgreSQL's INTEGER
    ):
        assert demo_client.get(path).status_code == 422, path
    response = demo_client.post(
        "/console/users",
        data={
            "csrf_token": token,
            "username": "x",
            "display_name": "x",
            "password": "x" * 12,
            "department_id": HUGER,
            "roles": "reviewer",
        },
    )
    assert response.status_code == 422


def test_a_big_body_is_refused_with_413(client) -> None:  # type: ignore[no-untyped-def]
    body = b'{"value": "' + b"1" * (2 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/identifiers/citizen-id", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_deep_json_is_refused_with_400_everywhere(client) -> None:  # type: ignore[no-untyped-def]
    deep = b"[" * 100_000 + b"]" * 100_000
    ckan = client.post(
        "/api/3/action/package_search", content=deep, headers={"content-type": "text/plain"}
    )
    assert ckan.status_code == 400 and ckan.json()["success"] is False
    api = client.post(
        "/api/v1/identifiers/citizen-id",
        content=b'{"value": ' + deep + b"}",
        headers={"content-type": "application/json"},
    )
    assert api.status_code == 400
    assert "nest" in api.json()["detail"]


def test_depth_scan_ignores_brackets_in_strings() -> None:
    scan = DepthScan(3)
    assert scan.feed(b'{"a": "[[[[[[[[ \\" [[[[", "b": [[1]]}') == -1
    assert DepthScan(3).feed(b"[[[[1]]]]") == 3
    split = DepthScan(2)
    assert split.feed(b'["\\') == -1 and split.feed(b'"[[[[", [1]]') == -1


def _serve(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, int]:
    app = create_app(settings)
    router = APIRouter()

    @router.get("/api/v1/test-boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.include_router(router)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return server, thread, port


def _read_response(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":", 1)[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
    )
    while len(body) < length:
        body += conn.recv(65536)
    return head


def test_a_500_leaves_the_keep_alive_connection_usable(settings: Settings) -> None:
    server, thread, port = _serve(settings)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            request = "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            conn.sendall(request.format("/api/v1/test-boom").encode())
            assert _read_response(conn).startswith(b"HTTP/1.1 500")
            conn.sendall(request.format("/api/v1/no-such-route").encode())
            assert _read_response(conn).startswith(b"HTTP/1.1 404")
    finally:
        server.should_exit = True
        thread.join(10)
