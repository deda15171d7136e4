"""The CKAN Action API driven by the real ckanapi client against a running server."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import ckanapi
import httpx
import pytest

import onceonly

from .conftest import DISTRICTS, SHOPS, OpenFixture

CKANAPI = shutil.which("ckanapi", path=str(Path(sys.executable).parent)) or "ckanapi"
# ckanapi's CLI starts its workers as `ckanapi` from PATH.
CKANAPI_ENV = {**os.environ, "PATH": f"{Path(CKANAPI).parent}{os.pathsep}{os.environ['PATH']}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def base(opendata: OpenFixture) -> Iterator[str]:
    """The platform served by the uvicorn command in its own process, as deployed."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(onceonly.__file__).parents[1]),
        "ONCEONLY_DATABASE_URL": opendata.settings.database_url,
        "ONCEONLY_DATA_DIR": str(opendata.settings.data_dir),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "onceonly.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a loaded machine starts slowly
        while True:
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                httpx.get(f"{url}/api/3/action/status_show", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_search_and_show_with_ckanapi(base: str) -> None:
    ckan = ckanapi.RemoteCKAN(base, user_agent="onceonly-tests/1.0")
    assert ckan.action.package_list() == ["test.shops", "test.tiny"]
    found = ckan.call_action(
        "package_search",
        {
            "q": "shops",
            "fq": "organization:amr",
            "rows": 5,
            "facet.field": ["organization", "tags", "res_format"],
        },
    )
    assert found["count"] == 1 and found["results"][0]["name"] == "test.shops"
    assert found["facets"]["tags"] == {"business": 1, "shops": 1}
    assert found["search_facets"]["res_format"]["items"][0]["count"] == 1
    everything = ckan.action.package_search(rows=1, start=1, sort="name asc")
    assert everything["count"] == 2 and [p["name"] for p in everything["results"]] == ["test.tiny"]
    none = ckan.action.package_search(fq='tags:"no such tag"')
    assert none["count"] == 0
    package = ckan.action.package_show(id="test.shops")
    assert package["organization"]["name"] == "amr" and package["license_id"] == "CC-BY-4.0"
    assert {r["format"] for r in package["resources"]} == {"CSV", "JSON", "Parquet"}
    csv_resource = next(r for r in package["resources"] if r["format"] == "CSV")
    assert ckan.action.resource_show(id=csv_resource["id"])["url"].endswith("download.csv")
    assert ckan.action.organization_list() == ["amr"]
    amr = ckan.action.organization_show(id="amr", include_datasets=True)
    assert amr["package_count"] == 2 and len(amr["packages"]) == 2
    assert ckan.action.group_list() == ["econ"]
    assert ckan.action.tag_list() == ["business", "shops"]
    assert ckan.action.status_show()["ckan_version"].startswith("2.")


def test_datastore_search_with_ckanapi(base: str) -> None:
    ckan = ckanapi.RemoteCKAN(base, user_agent="onceonly-tests/1.0")
    package = ckan.action.package_show(id="test.shops")
    resource_id = next(r["id"] for r in package["resources"] if r["datastore_active"])
    result = ckan.action.datastore_search(
        resource_id=resource_id,
        filters={"district": "西湖区"},
        limit=7,
        offset=7,
        sort="employees desc",
        fields=["shop_no", "employees"],
    )
    assert result["total"] == len([i for i in range(SHOPS) if i % 4 == 1])
    assert len(result["records"]) == 7 and set(result["records"][0]) == {
        "_id",
        "shop_no",
        "employees",
    }
    assert {f["id"]: f["type"] for f in result["fields"]}["employees"] == "int"
    text = ckan.action.datastore_search(resource_id=resource_id, q="茶馆", limit=0)
    assert text["total"] == SHOPS // 5 and text["records"] == []
    # The same over GET, with filters as a JSON string, as CKAN accepts them.
    getter = ckanapi.RemoteCKAN(base, get_only=True, user_agent="onceonly-tests/1.0")
    fetched = getter.action.datastore_search(
        resource_id="test.shops", filters='{"shop_no": "S00003"}'
    )
    assert [r["shop_no"] for r in fetched["records"]] == ["S00003"]


def test_ckan_errors_with_ckanapi(base: str) -> None:
    ckan = ckanapi.RemoteCKAN(base, user_agent="onceonly-tests/1.0")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="test.visits")  # on application only: not a package
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.datastore_search(resource_id="test.shops", filters={"colour": "red"})
    raw = httpx.get(f"{base}/api/action/package_show", params={"id": "nope"})
    assert raw.status_code == 404
    body = raw.json()
    assert body["success"] is False and body["error"]["__type"] == "Not Found Error"
    assert body["help"].endswith("help_show?name=package_show")
    unknown = httpx.post(f"{base}/api/3/action/no_such_action", json={"id": "test.shops"})
    assert unknown.status_code == 400 and unknown.json()["success"] is False
    with pytest.raises(ckanapi.NotAuthorized):  # a write without a token, as CKAN answers it
        ckan.action.package_delete(id="test.shops")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(fq="organization:(amr OR")


def test_ckan_reads_as_ckan_shapes_them(base: str, tmp_path: Path) -> None:
    ckan = ckanapi.RemoteCKAN(base, user_agent="onceonly-tests/1.0")
    assert httpx.get(f"{base}/api/3").json() == {"version": 3}
    shops = ckan.action.package_show(id="test.shops")
    assert uuid.UUID(shops["id"]) and uuid.UUID(shops["owner_org"])
    legacy = next(e["value"] for e in shops["extras"] if e["key"] == "legacy_id")
    assert ckan.action.package_show(id=legacy)["id"] == shops["id"]  # old ids are aliases
    assert ckan.action.package_show(id=shops["id"])["name"] == "test.shops"
    assert shops["isopen"] is True and all(uuid.UUID(t["id"]) for t in shops["tags"])
    csv_resource = next(r for r in shops["resources"] if r["format"] == "CSV")
    download = httpx.get(csv_resource["url"]).content
    assert csv_resource["size"] == len(download)
    assert csv_resource["hash"] == hashlib.sha256(download).hexdigest()
    assert csv_resource["metadata_modified"] == shops["metadata_modified"]
    (amr,) = ckan.action.organization_list(all_fields=True)
    assert amr["package_count"] == shops["organization"]["package_count"] == 2
    assert ckan.action.organization_show(id=amr["id"])["name"] == "amr"

    # Solr forms, and rows above the maximum capped as CKAN caps them.
    assert ckan.action.package_search(fq="organization:(amr OR health)", rows=5000)["count"] == 2
    assert [p["name"] for p in ckan.action.package_search(q="name:test.sh*")["results"]] == [
        "test.shops"
    ]
    assert ckan.action.package_search(q="title:yearly", fq="-tags:shops")["count"] == 1

    # The other read actions; `ckanapi dump groups` needs group_show.
    econ = ckan.action.group_show(id="econ")
    assert {p["name"] for p in econ["packages"]} == {"test.shops", "test.tiny"}
    assert "fq" in ckan.action.help_show(name="package_search")
    assert "CC-BY-4.0" in {licence["id"] for licence in ckan.action.license_list()}
    dump = tmp_path / "groups.jsonl"
    subprocess.run(
        [CKANAPI, "dump", "groups", "--all", "-O", str(dump), "-r", base, "-q"],
        check=True,
        env=CKANAPI_ENV,
    )
    assert json.loads(dump.read_text())["name"] == "econ"

    # DataStore: info, record formats, distinct, no total, and _links that keep limit.
    info = ckan.action.datastore_info(id=csv_resource["id"])
    assert info["meta"]["count"] == SHOPS and info["schema"]["employees"] == "int"
    lists = ckan.action.datastore_search(
        resource_id=csv_resource["id"], records_format="lists", limit=2, fields=["shop_no"]
    )
    assert lists["records"] == [[1, "S00000"], [2, "S00001"]]
    assert "limit=2" in lists["_links"]["next"] and "offset=2" in lists["_links"]["next"]
    rows = ckan.action.datastore_search(
        resource_id="test.shops", records_format="csv", fields=["district"], distinct=True,
        sort="district", include_total=False,
    )  # fmt: skip
    assert rows["records"].splitlines() == sorted(set(DISTRICTS)) and "total" not in rows

    # datastore_search_sql: SELECT on published tables, nothing else.
    sql = (
        f'SELECT district, count(*) AS n FROM "{csv_resource["id"]}" '
        "WHERE employees >= 10 GROUP BY district ORDER BY district"
    )
    counted = ckan.action.datastore_search_sql(sql=sql)
    assert sum(r["n"] for r in counted["records"]) == sum(1 for i in range(SHOPS) if i % 40 >= 10)
    for refused in (
        'DELETE FROM "test.shops"',
        'SELECT 1; DELETE FROM "test.shops"',
        "SELECT * FROM sqlite_master",
        'SELECT * FROM "test.visits"',  # open on application only
        "SELECT * FROM pragma_table_info('rows')",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "SELECT * FROM t0.rows_fts",
    ):
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.datastore_search_sql(sql=refused)


def test_datastore_search_sql_is_stopped_at_its_time_bound(
    opendata: OpenFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onceonly.core.errors import Invalid
    from onceonly.opendata.ckan import datastore
    from onceonly.opendata.ckan.params import Call

    monkeypatch.setattr(datastore, "SQL_SECONDS", 0.3)
    endless = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        'SELECT count(*) FROM c, "test.shops"'
    )
    with opendata.db.session() as session:
        call = Call(session, {"sql": endless}, "http://x/", "/", opendata.settings.data_dir)
        started = time.monotonic()
        with pytest.raises(Invalid, match="took longer"):
            datastore.datastore_search_sql(call)
        assert time.monotonic() - started < 10
