"""Catalog search (Chinese substrings, facets), the API's visibility and stewardship
rules, and the pages."""

from __future__ import annotations

from onceonly.catalog.search import SearchQuery, SearchResult
from onceonly.catalog.search import search as run_search
from tests.helpers import csrf_from, sign_in_staff

NEW = {
    "code": "hpf.loans",
    "name": "公积金贷款信息",
    "subject_type": "person",
    "key_field": "id_number",
    "share_class": "conditional",
    "connector_config": {"source": "hpf", "table": "fund_accounts"},
    "fields": [{"name": "id_number", "sensitivity": "personal"}],
}


def search(session, q: str = "", *, tag: str = "", **query: object) -> SearchResult:  # type: ignore[no-untyped-def]
    tags = (tag,) if tag else ()
    return run_search(session, SearchQuery(q=q, tags=tags, **query))  # type: ignore[arg-type]


def counts(result: SearchResult, facet: str) -> dict[str, int]:
    return {f.value: f.count for f in result.facets[facet]}


def test_search_matches_chinese_words_and_counts_facets(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        found = search(session, "户籍")
        assert {r.code for r in found.items} >= {"ps.residents", "ps.households"}
        assert counts(found, "department")["ps"] == found.total
        both = search(session, "婚姻 登记")
        assert [r.code for r in both.items] == ["ca.marriages"]
        assert search(session, "户籍 公积金").total == 0  # every word must match
        open_only = search(session, "", only_open=True)
        assert open_only.total and all(r.open_class.value != "not_open" for r in open_only.items)
        tagged = search(session, "", tag="开放数据")
        assert tagged.total == counts(tagged, "tags")["开放数据"] >= 3
        by_field = search(session, "法定代表人")  # a field description
        assert "amr.companies" in {r.code for r in by_field.items}
        page2 = search(session, "", offset=5, limit=5)
        assert len(page2.items) == 5 and page2.total > 10


def test_api_visibility_and_stewardship(demo_client) -> None:  # type: ignore[no-untyped-def]
    anonymous = demo_client.get("/api/v1/catalog/resources?q=户籍").json()
    assert anonymous["total"] == 0  # the household register is not open data
    assert (anonymous["items"], anonymous["limit"], anonymous["offset"]) == ([], 20, 0)
    assert anonymous["next"] is None
    first = demo_client.get("/api/v1/catalog/resources?limit=1").json()
    assert len(first["items"]) == 1 and first["total"] > 1 and "offset=1" in first["next"]
    second = demo_client.get(first["next"]).json()
    assert second["offset"] == 1 and second["items"] != first["items"]
    for bad in ("limit=0", "limit=101", "offset=-1"):
        refused = demo_client.get(f"/api/v1/catalog/resources?{bad}")
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"].startswith("application/problem+json")
    public = demo_client.get("/api/v1/catalog/resources/amr.company_register_public")
    assert public.status_code == 200 and public.json()["versions"][0]["version"] == 1
    hidden = demo_client.get("/api/v1/catalog/resources/ps.residents")
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
    assert demo_client.get("/api/v1/catalog/resources?share_class=nope").status_code == 422

    sign_in_staff(demo_client, "hpf.steward")
    token = csrf_from(demo_client, "/catalog")
    headers = {"x-csrf-token": token}
    staff = demo_client.get("/api/v1/catalog/resources?q=户籍").json()
    assert (
        staff["total"] >= 2
        and {f["value"]: f["count"] for f in staff["facets"]["department"]}["ps"] >= 2
    )
    made = demo_client.post("/api/v1/catalog/resources", json=NEW, headers=headers)
    assert made.status_code == 201 and made.json()["department_code"] == "hpf"
    again = demo_client.post("/api/v1/catalog/resources", json=NEW, headers=headers)
    assert again.status_code == 409
    broken = NEW | {"code": "hpf.x", "share_class": "not_shared"}
    refused = demo_client.post("/api/v1/catalog/resources", json=broken, headers=headers)
    assert refused.status_code == 422 and "legal basis" in refused.text
    other = demo_client.put(
        "/api/v1/catalog/resources/ps.residents",
        json=NEW | {"code": "ps.residents"},
        headers=headers,
    )
    assert other.status_code == 403
    changed = NEW | {
        "fields": [*NEW["fields"], {"name": "balance_cents", "sensitivity": "sensitive"}]
    }
    updated = demo_client.put("/api/v1/catalog/resources/hpf.loans", json=changed, headers=headers)
    assert updated.status_code == 200 and updated.json()["version"] == 2


def test_pages(demo_client) -> None:  # type: ignore[no-untyped-def]
    page = demo_client.get("/catalog")
    assert page.status_code == 200 and 'data-code="amr.company_register_public"' in page.text
    assert 'data-code="ps.residents"' not in page.text
    assert demo_client.get("/catalog/ps.residents").status_code == 404
    detail = demo_client.get("/catalog/amr.company_register_public")
    assert detail.status_code == 200 and "credit_code" in detail.text
    sign_in_staff(demo_client, "hrss.admin")
    found = demo_client.get("/catalog?q=婚姻")
    assert 'data-code="ca.marriages"' in found.text
    marriages = demo_client.get("/catalog/ca.marriages")
    assert "/workbench/sharing/new?resource=ca.marriages" in marriages.text
    bad = demo_client.get("/catalog?share_class=nope", headers={"accept": "text/html"})
    assert bad.status_code == 422
