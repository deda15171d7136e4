"""The CKAN Action API driven by the real ckanapi client against a running server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import ckanapi
import httpx
import pytest

import onceonly

from .conftest import SHOPS, OpenFixture


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
        deadline = time.monotonic() + 30
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
    unknown = httpx.post(f"{base}/api/3/action/package_delete", json={"id": "test.shops"})
    assert unknown.status_code == 400 and unknown.json()["success"] is False
