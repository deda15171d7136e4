"""HTTP connector against a real local server (uvicorn in a thread); CSV and Parquet files."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import uvicorn
from fastapi import FastAPI, Request

from onceonly.identity import service as identity
from onceonly.sharing import service as sharing
from tests.exchange.conftest import SYSTEM, register

ROWS = [
    {"code": "A001", "owner": "张三丰", "phone": "13812345678", "city": "东湖市"},
    {"code": "A002", "owner": "李四", "phone": "13900001111", "city": "西岭市"},
    {"code": "A003", "owner": "王五", "phone": "13700002222", "city": "东湖市"},
]
FIELDS = [
    {"name": "code", "sensitivity": "public"},
    {"name": "owner", "sensitivity": "personal"},
    {"name": "phone", "sensitivity": "sensitive"},
    {"name": "city", "sensitivity": "public"},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def provider_app() -> FastAPI:
    app = FastAPI()

    @app.get("/records/{code}")
    def one(code: str, request: Request) -> object:
        if request.headers.get("authorization") != "Bearer provider-secret":
            return {"rows": []}
        return [r for r in ROWS if r["code"] == code]

    @app.get("/records/")
    def every() -> object:
        return {"rows": ROWS}

    @app.get("/slow/{code}")
    async def slow(code: str) -> object:
        await asyncio.sleep(3)
        return ROWS[0]

    @app.get("/broken/{code}")
    def broken(code: str) -> object:
        raise RuntimeError("database password is hunter2")

    return app


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(provider_app(), port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def granted_resource(demo_db, code: str, kind: str, config: dict[str, object]) -> str:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        resource = register(
            session,
            code,
            "amr",
            name=code,
            subject_type="other",
            key_field="code",
            share_class="conditional",
            connector_kind=kind,
            connector_config=config,
            fields=FIELDS,
        )
        client = identity.client_by_code(session, "hrss-benefits")
        sharing.grant_directly(
            session,
            client=client,
            resource=resource,
            fields=["code", "owner", "phone", "city"],
            purpose="test",
            by=SYSTEM,
        )
    return code


def ask(demo_client, gateway, code: str, **body):  # type: ignore[no-untyped-def]
    body.setdefault("purpose", "test")
    return demo_client.post(f"/api/v1/exchange/{code}/query", json=body, headers=gateway.headers())


def test_http_source_answers_masked(demo_client, demo_db, gateway, provider) -> None:  # type: ignore[no-untyped-def]
    code = granted_resource(
        demo_db,
        "t.http",
        "http",
        {
            "url_template": provider + "/records/{key}",
            "auth_header": "Bearer provider-secret",
            "timeout": 2,
        },
    )
    body = ask(demo_client, gateway, code, subject_key="A001").json()
    assert body["rows"] == [
        {"code": "A001", "owner": "张**", "phone": "138****5678", "city": "东湖市"}
    ]
    assert ask(demo_client, gateway, code, subject_key="nope").json()["rows"] == []


def test_slow_http_source_is_504(demo_client, demo_db, gateway, provider) -> None:  # type: ignore[no-untyped-def]
    code = granted_resource(
        demo_db, "t.slow", "http", {"url_template": provider + "/slow/{key}", "timeout": 0.5}
    )
    response = ask(demo_client, gateway, code, subject_key="A001")
    assert response.status_code == 504
    assert "0.5 s" in response.json()["detail"]


def test_down_or_broken_http_source_is_502_without_internals(  # type: ignore[no-untyped-def]
    demo_client, demo_db, gateway, provider
) -> None:
    down = granted_resource(
        demo_db, "t.down", "http", {"url_template": f"http://127.0.0.1:{free_port()}/x/{{key}}"}
    )
    broken = granted_resource(
        demo_db, "t.broken", "http", {"url_template": provider + "/broken/{key}"}
    )
    for code in (down, broken):
        response = ask(demo_client, gateway, code, subject_key="A001")
        assert response.status_code == 502
        text = response.text
        assert "127.0.0.1" not in text and "hunter2" not in text and "Traceback" not in text


def test_down_sql_source_is_502(demo_client, demo_db, gateway, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = granted_resource(
        demo_db, "t.nosql", "sql", {"url": f"sqlite:///{tmp_path}/missing/none.db", "table": "x"}
    )
    response = ask(demo_client, gateway, code, subject_key="A001")
    assert response.status_code == 502 and str(tmp_path) not in response.text


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_file_sources(demo_client, demo_db, demo_settings, gateway, suffix) -> None:  # type: ignore[no-untyped-def]
    demo_settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = demo_settings.data_dir / f"records.{suffix}"
    table = pa.Table.from_pylist(ROWS)
    if suffix == "csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path)
    code = granted_resource(demo_db, f"t.{suffix}", "file", {"path": path.name})
    body = ask(demo_client, gateway, code, filters={"city": "东湖市"}, page_size=1).json()
    assert body["rows"] == [
        {"code": "A001", "owner": "张**", "phone": "138****5678", "city": "东湖市"}
    ]
    more = ask(
        demo_client,
        gateway,
        code,
        filters={"city": "东湖市"},
        page_size=1,
        cursor=body["next_cursor"],
    ).json()
    assert [r["code"] for r in more["rows"]] == ["A003"] and more["next_cursor"] is None
    hostile = ask(demo_client, gateway, code, filters={"city": "' OR 1=1 --"}).json()
    assert hostile["rows"] == []
