"""Catalog search (Chinese substrings, facets), the API's visibility and stewardship
rules, and the pages."""

from __future__ import annotations

from onceonly.catalog.search import SearchQuery, search
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


def test_search_on_the_demo_catalog(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        found = search(session, SearchQuery(q="户籍"))
        assert {r.code for r in found.items} >= {"ps.residents", "ps.households"}
        assert search(session, SearchQuery(q="婚姻登记")).items[0].code == "ca.marriages"
        public = search(session, SearchQuery(public_only=True, per_page=100))
        assert public.total and all(r.open_class.value != "not_open" for r in public.items)
        tagged = search(session, SearchQuery(tags=("开放数据",)))
        assert tagged.total >= 3
        by_field = search(session, SearchQuery(q="法定代表人"))  # a field description
        assert "amr.companies" in {r.code for r in by_field.items}
        page2 = search(session, SearchQuery(page=2, per_page=5))
        assert len(page2.items) == 5 and page2.total > 10


def test_api_visibility_and_stewardship(demo_client) -> None:  # type: ignore[no-untyped-def]
    anonymous = demo_client.get("/api/v1/catalog/resources?q=户籍").json()
    assert anonymous["total"] == 0  # the household register is not open data
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
    assert staff["total"] >= 2 and staff["facets"]["departments"]["ps"] >= 2
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
