"""Workbench pages and API routes: register/edit with readable errors, import with the
row-error report, export, data needs; problem+json from the API."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from onceonly.catalog import service
from onceonly.catalog.models import DataNeed, NeedStatus, Resource
from tests.helpers import csrf_from, sign_in_staff

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "sharing-list.csv"
HEADER = "code,name,department,subject_type,key_field,share_class,fields"


def form(token: str, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "csrf_token": token,
        "code": "hpf.loans",
        "name": "公积金贷款信息",
        "subject_type": "person",
        "key_field": "id_number",
        "share_class": "conditional",
        "open_class": "not_open",
        "update_frequency": "monthly",
        "connector_kind": "sql",
        "connector_config": '{"source": "hpf", "table": "fund_accounts"}',
        "tags": "公积金，贷款; 住房",
        "field_name": ["id_number", "balance_cents", ""],
        "field_type": ["string", "integer", "string"],
        "field_sensitivity": ["personal", "sensitive", "internal"],
        "field_description": ["公民身份号码", "贷款余额（分）", ""],
    }
    return base | extra


def test_register_and_edit_through_the_form(demo_client, demo_db) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, "hpf.steward")
    page = demo_client.get("/workbench/catalog/register")
    assert page.status_code == 200 and 'name="field_name"' in page.text
    token = csrf_from(demo_client, "/workbench/catalog/register")
    # broken: not shared without a legal basis, a key field that is not a field, bad JSON
    refused = demo_client.post(
        "/workbench/catalog/register",
        data=form(token, share_class="not_shared", key_field="nope"),
    )
    assert refused.status_code == 422 and 'id="form-errors"' in refused.text
    assert "legal_basis" in refused.text and "key_field" in refused.text
    assert 'value="公积金贷款信息"' in refused.text  # what was typed is kept
    bad_json = demo_client.post(
        "/workbench/catalog/register", data=form(token, connector_config="{nope")
    )
    assert bad_json.status_code == 422 and "connector_config" in bad_json.text
    made = demo_client.post("/workbench/catalog/register", data=form(token), follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/catalog/hpf.loans"
    with demo_db.session() as session:
        resource = service.get_resource(session, "hpf.loans")
        assert resource.department.code == "hpf" and resource.tags == ["住房", "公积金", "贷款"]
        assert resource.field_names == ["id_number", "balance_cents"]
    twice = demo_client.post("/workbench/catalog/register", data=form(token))
    assert twice.status_code == 409 and "already exists" in twice.text

    detail = demo_client.get("/catalog/hpf.loans")
    assert "/workbench/catalog/hpf.loans/edit" in detail.text
    edit = demo_client.get("/workbench/catalog/hpf.loans/edit")
    assert edit.status_code == 200 and 'value="balance_cents"' in edit.text
    saved = demo_client.post(
        "/workbench/catalog/hpf.loans/edit",
        data=form(token, field_name=["id_number", "", ""]),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with demo_db.session() as session:
        assert service.get_resource(session, "hpf.loans").version == 2
    # another department's resource cannot be edited, and its page offers no edit link
    assert demo_client.get("/workbench/catalog/ps.residents/edit").status_code == 403
    assert "/edit" not in demo_client.get("/catalog/ps.residents").text


def test_import_page_reports_every_bad_row(demo_client, demo_db) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, "ca.steward")
    token = csrf_from(demo_client, "/workbench/catalog/import")
    bad = "\n".join(
        [
            HEADER,
            "ca.a,A,ca,person,id_number,conditional,id_number:string:personal",
            "ca.b,B,ps,person,id_number,conditional,id_number",
            "ca.c,C,ca,person,id_number,maybe,id_number",
        ]
    )
    response = demo_client.post(
        "/workbench/catalog/import",
        data={"csrf_token": token},
        files={"file": ("list.csv", bad.encode(), "text/csv")},
    )
    assert response.status_code == 422 and 'id="row-errors"' in response.text
    assert "<td>3</td><td>department</td>" in response.text
    assert "<td>4</td><td>share_class</td>" in response.text
    with demo_db.session() as session:
        assert session.scalar(select(Resource.id).where(Resource.code == "ca.a")) is None
    good = bad.split("\n")[:2]
    checked = demo_client.post(
        "/workbench/catalog/import",
        data={"csrf_token": token, "dry_run": "1"},
        files={"file": ("list.csv", "\n".join(good).encode(), "text/csv")},
    )
    assert checked.status_code == 200 and '<dd id="created">1</dd>' in checked.text
    done = demo_client.post(
        "/workbench/catalog/import",
        data={"csrf_token": token},
        files={"file": ("list.json", json.dumps([_row("ca.j")]).encode(), "application/json")},
    )
    assert done.status_code == 200 and '<dd id="created">1</dd>' in done.text
    exported = demo_client.get("/workbench/catalog/export?format=csv")
    assert exported.status_code == 200 and "ca.j" in exported.text
    assert "ca.marriages" in exported.text and "ps.residents" not in exported.text


def _row(code: str, department: str = "ca") -> dict[str, object]:
    return {
        "code": code, "name": code, "department": department, "subject_type": "other",
        "key_field": "k", "share_class": "unconditional", "fields": "k:string:public",
    }  # fmt: skip


def test_import_and_export_api(demo_client) -> None:  # type: ignore[no-untyped-def]
    assert demo_client.post("/api/v1/catalog/import", content=b"").status_code in (401, 403)
    sign_in_staff(demo_client, "ca.admin")
    headers = {"x-csrf-token": csrf_from(demo_client, "/catalog")}
    rows = [_row("ca.x"), _row("ca.y", "ps"), {"code": "ca.z"}]
    refused = demo_client.post(
        "/api/v1/catalog/import",
        content=json.dumps({"resources": rows}),
        headers=headers | {"content-type": "application/json"},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert body["type"].endswith("catalog-import-rejected")
    assert {(e["row"], e["field"]) for e in body["errors"]} >= {(2, "department"), (3, "name")}
    ok = demo_client.post(
        "/api/v1/catalog/import?format=json&dry_run=true",
        content=json.dumps([_row("ca.x")]),
        headers=headers,
    )
    assert ok.status_code == 200 and ok.json()["created"] == 1 and ok.json()["dry_run"]
    exported = demo_client.get("/api/v1/catalog/export?format=json")
    codes = {r["code"] for r in exported.json()["resources"]}
    assert "ca.marriages" in codes and "ca.x" not in codes and "ps.residents" not in codes
    assert demo_client.get("/api/v1/catalog/export?department=ps").status_code == 403
    assert demo_client.get("/api/v1/catalog/export?format=xml").status_code == 422


def test_needs_through_pages_and_api(demo_client, demo_db) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, "hrss.steward")
    token = csrf_from(demo_client, "/workbench/catalog/needs/new")
    posted = demo_client.post(
        "/workbench/catalog/needs/new",
        data={
            "csrf_token": token,
            "title": "居住证信息",
            "provider_code": "ps",
            "fields_wanted": "id_number，address",
            "purpose": "核验参保人员居住地",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    need_id = int(posted.headers["location"].rsplit("/", 1)[1])
    mine = demo_client.get("/workbench/catalog/needs")
    assert f'data-need="{need_id}"' in mine.text.split('id="posted"')[1]
    api = demo_client.get("/api/v1/catalog/needs").json()
    listed = api["items"]
    assert [n["fields_wanted"] for n in listed if n["id"] == need_id] == [["id_number", "address"]]
    assert api["total"] >= len(listed) and api["offset"] == 0
    first = demo_client.get("/api/v1/catalog/needs", params={"limit": 1}).json()
    assert first["items"][0]["id"] == listed[0]["id"]  # newest first, the same order paged
    assert (first["next"] is not None) == (api["total"] > 1)
    # the requester cannot answer its own need
    answer = demo_client.post(
        f"/api/v1/catalog/needs/{need_id}/answer",
        json={"provide": False, "note": "no"},
        headers={"x-csrf-token": token},
    )
    assert answer.status_code == 403 and answer.json()["type"].endswith("not-provider")
    demo_client.cookies.clear()

    sign_in_staff(demo_client, "ca.steward")  # an uninvolved department
    assert demo_client.get(f"/api/v1/catalog/needs/{need_id}").status_code == 403
    demo_client.cookies.clear()

    sign_in_staff(demo_client, "ps.steward")
    asked = demo_client.get("/workbench/catalog/needs")
    assert f'data-need="{need_id}"' in asked.text.split('id="asked"')[1]
    page = demo_client.get(f"/workbench/catalog/needs/{need_id}")
    assert 'name="resource_code"' in page.text and "ps.residents" in page.text
    token = csrf_from(demo_client, f"/workbench/catalog/needs/{need_id}")
    declined = demo_client.post(
        f"/workbench/catalog/needs/{need_id}/answer",
        data={"csrf_token": token, "provide": "0", "note": ""},
        headers={"accept": "text/html"},
    )
    assert declined.status_code == 422 and "cannot be provided" in declined.text
    done = demo_client.post(
        f"/workbench/catalog/needs/{need_id}/answer",
        data={
            "csrf_token": token,
            "provide": "1",
            "resource_code": "ps.residents",
            "note": "已编目",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    with demo_db.session() as session:
        need = session.get(DataNeed, need_id)
        assert need is not None and need.status is NeedStatus.FULFILLED
    shown = demo_client.get(f"/workbench/catalog/needs/{need_id}")
    assert 'name="note"' not in shown.text and "ps.residents" in shown.text
    assert demo_client.get("/api/v1/catalog/needs/overdue").json() == []
