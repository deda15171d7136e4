"""CKAN's write actions with per-user API tokens, driven by the real ckanapi client (its
Python API and its `dump`/`load` commands) against a running server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import ckanapi
import httpx
import pytest
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.opendata.ckan import tokens

from .conftest import OpenFixture, staff
from .test_ckan import CKANAPI, CKANAPI_ENV, base  # noqa: F401 (the running server)


@pytest.fixture
def stewards(opendata: OpenFixture) -> dict[str, str]:
    """An API token for the market regulator's steward and for the health steward."""
    made = {}
    with opendata.db.session() as session:
        for username in ("amr.steward", "health.steward"):
            user = staff(session, username)
            _, made[username] = tokens.create(session, user, "tests", user)
    return made


def _client(base: str, token: str | None = None) -> ckanapi.RemoteCKAN:  # noqa: F811
    return ckanapi.RemoteCKAN(base, apikey=token, user_agent="onceonly-tests/1.0")


def test_ckan_writes_with_ckanapi(
    base: str,  # noqa: F811
    stewards: dict[str, str],
    opendata: OpenFixture,
    tmp_path: Path,
) -> None:
    """One running server for both parts (a server start is the slow part)."""
    _publish_patch_upload_upsert_and_delete(base, stewards, opendata, tmp_path)
    _tokens_and_dump_then_load(base, stewards, tmp_path)


def _publish_patch_upload_upsert_and_delete(
    base: str,  # noqa: F811
    stewards: dict[str, str],
    opendata: OpenFixture,
    tmp_path: Path,
) -> None:
    amr = _client(base, stewards["amr.steward"])
    created = amr.action.package_create(
        name="amr-inspections",
        title="Inspections",
        owner_org="amr",
        license_id="CC-BY-4.0",
        tags=[{"name": "inspections"}],
        resources=[{"name": "Rules", "url": "https://example.org/rules.pdf", "format": "PDF"}],
    )
    assert created["organization"]["name"] == "amr" and created["num_resources"] == 1
    assert "amr-inspections" in _client(base).action.package_list()
    patched = amr.action.package_patch(id=created["id"], notes="Monthly inspections")
    assert patched["notes"] == "Monthly inspections" and patched["title"] == "Inspections"

    # A file upload, multipart as ckanapi sends it; the server serves it back.
    upload = tmp_path / "inspections.csv"
    upload.write_text("shop_no,result\nS00001,pass\n", encoding="utf-8")
    with upload.open("rb") as handle:
        resource = amr.action.resource_create(
            package_id="amr-inspections", name="Results", format="CSV", upload=handle
        )
    assert resource["url_type"] == "upload" and resource["size"] == upload.stat().st_size
    assert httpx.get(resource["url"]).content == upload.read_bytes()

    # DataStore: a table with a primary key, then an upsert that replaces and adds.
    table = amr.action.datastore_create(
        resource_id=resource["id"],
        fields=[{"id": "shop_no", "type": "text"}, {"id": "result", "type": "text"}],
        primary_key="shop_no",
        records=[{"shop_no": "S00001", "result": "pass"}],
    )
    assert table["primary_key"] == ["shop_no"]
    amr.action.datastore_upsert(
        resource_id=resource["id"],
        records=[{"shop_no": "S00001", "result": "fail"}, {"shop_no": "S00002", "result": "pass"}],
        method="upsert",
    )
    found = _client(base).action.datastore_search(resource_id=resource["id"], sort="shop_no")
    assert [(r["shop_no"], r["result"]) for r in found["records"]] == [
        ("S00001", "fail"),
        ("S00002", "pass"),
    ]
    with pytest.raises(ckanapi.ValidationError):  # a value of the wrong type
        amr.action.datastore_create(
            resource_id=resource["id"], fields=[{"id": "checks", "type": "int"}],
            records=[{"shop_no": "S3", "checks": "many"}],
        )  # fmt: skip
    amr.action.datastore_delete(resource_id=resource["id"], filters={"shop_no": "S00002"})
    assert _client(base).action.datastore_search(resource_id=resource["id"])["total"] == 1

    # Refusals: no token, another department's steward, a non-open catalog resource.
    with pytest.raises(ckanapi.NotAuthorized):
        _client(base).action.package_patch(id="amr-inspections", title="x")
    health = _client(base, stewards["health.steward"])
    with pytest.raises(ckanapi.NotAuthorized):
        health.action.package_patch(id="amr-inspections", title="Taken over")
    with pytest.raises(ckanapi.NotAuthorized):
        health.action.package_create(name="health-in-amr", owner_org="amr")
    with pytest.raises(ckanapi.NotAuthorized):  # catalog datasets change in the catalog
        amr.action.package_patch(id="test.shops", title="x")
    with pytest.raises(ckanapi.ValidationError) as refused:
        health.action.package_create(name="test.visits", owner_org="health")
    assert "not open" in str(refused.value.error_dict)
    with pytest.raises(ckanapi.ValidationError):  # the name is taken
        amr.action.package_create(name="amr-inspections", owner_org="amr")

    amr.action.resource_delete(id=resource["id"])
    amr.action.package_delete(id="amr-inspections")
    with pytest.raises(ckanapi.NotFound):
        _client(base).action.package_show(id="amr-inspections")
    with opendata.db.session() as session:
        actions = set(
            session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("ckan.%")))
        )
    assert {"ckan.package_create", "ckan.resource_create", "ckan.datastore_upsert"} <= actions
    assert {"ckan.package_delete", "ckan.token_create"} <= actions


def _tokens_and_dump_then_load(
    base: str,  # noqa: F811
    stewards: dict[str, str],
    tmp_path: Path,
) -> None:
    token = stewards["amr.steward"]
    amr = _client(base, token)
    second = amr.action.api_token_create(user="amr.steward", name="loader")["token"]
    listed = amr.action.api_token_list(user="amr.steward")
    assert {t["name"] for t in listed} == {"tests", "loader"}
    assert all("token" not in t for t in listed)
    for name in ("amr-one", "amr-two"):
        amr.action.package_create(
            name=name, title=name.title(), owner_org="amr", tags=[{"name": "loaded"}]
        )
    dump = tmp_path / "datasets.jsonl"
    subprocess.run(
        [CKANAPI, "dump", "datasets", "amr-one", "amr-two", "-O", str(dump), "-r", base, "-q"],
        check=True,
        env=CKANAPI_ENV,
    )
    for name in ("amr-one", "amr-two"):
        amr.action.package_delete(id=name)
    assert "amr-one" not in _client(base).action.package_list()
    subprocess.run(
        [CKANAPI, "load", "datasets", "-I", str(dump), "-r", base, "-a", second, "-q"],
        check=True,
        env=CKANAPI_ENV,
    )
    loaded = _client(base).action.package_show(id="amr-two")
    original = json.loads(dump.read_text().splitlines()[1])
    assert loaded["id"] == original["id"] and loaded["title"] == "Amr-Two"
    assert [t["name"] for t in loaded["tags"]] == ["loaded"]

    jti = next(t["id"] for t in listed if t["name"] == "loader")
    amr.action.api_token_revoke(jti=jti)
    with pytest.raises(ckanapi.NotAuthorized):
        _client(base, second).action.package_patch(id="amr-one", title="after revoke")


def test_token_page_shows_a_new_token_once_and_revokes_it(od_client) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import csrf_from, sign_in_staff

    sign_in_staff(od_client, "amr.steward")
    csrf = csrf_from(od_client, "/workbench/opendata/api-tokens")
    page = od_client.post(
        "/workbench/opendata/api-tokens", data={"name": "harvester", "csrf_token": csrf}
    )
    assert page.status_code == 200 and "harvester" in page.text
    token = page.text.split('<code class="token" style="word-break: break-all">')[1].split("<")[0]
    assert token.startswith("oo_")
    assert token not in od_client.get("/workbench/opendata/api-tokens").text  # shown once
    created = od_client.post(
        "/api/3/action/package_create",
        json={"name": "amr-by-page-token", "owner_org": "amr"},
        headers={"Authorization": token},
    )
    assert created.status_code == 200, created.text
    # A signed-in session lists its tokens; a POST with the cookie alone (no CSRF header)
    # is anonymous.
    listed = od_client.get("/api/3/action/api_token_list").json()["result"]
    assert [t["name"] for t in listed] == ["harvester"]
    assert od_client.post("/api/3/action/api_token_create", json={"name": "x"}).status_code == 403
    revoked = od_client.post(
        f"/workbench/opendata/api-tokens/{listed[0]['id']}/revoke",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    refused = od_client.post(
        "/api/3/action/package_delete",
        json={"id": "amr-by-page-token"},
        headers={"Authorization": token},
    )
    assert refused.status_code == 403 and refused.json()["error"]["__type"] == "Authorization Error"
