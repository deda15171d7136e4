"""The service pages and the JSON API."""

from __future__ import annotations

from tests.helpers import sign_in_staff


def _item_code(client, query: str) -> str:  # type: ignore[no-untyped-def]
    found = client.get("/api/v1/services/items", params={"q": query}).json()
    assert found, query
    return str(found[0]["code"])


def test_browse_search_item_and_bundle_pages_render(demo_client) -> None:  # type: ignore[no-untyped-def]
    home = demo_client.get("/services")
    assert home.status_code == 200
    assert "生育一件事" in home.text and "/services/bundles/having-a-baby" in home.text
    assert "/services?department=ps" in home.text
    by_department = demo_client.get("/services?department=hpf")
    assert "离退休提取住房公积金" in by_department.text and "企业设立登记" not in by_department.text
    search = demo_client.get("/services", params={"q": "身份证"})
    assert "居民身份证换领" in search.text
    none = demo_client.get("/services", params={"q": "nothing-like-this"})
    assert "没有匹配的事项" in none.text

    code = _item_code(demo_client, "出生医学证明首次签发")
    guide = demo_client.get(f"/services/items/{code}")
    assert guide.status_code == 200
    assert "《中华人民共和国母婴保健法》第二十三条" in guide.text
    assert "health.births" in guide.text and "自动调取：部门数据" in guide.text
    bundle = demo_client.get("/services/bundles/having-a-baby")
    assert bundle.status_code == 200
    for name in ("出生医学证明首次签发", "出生登记（新生儿入户）", "生育津贴申领"):
        assert name in bundle.text
    assert "新生儿出生信息" in bundle.text  # shared: fetched once for several items

    demo_client.get("/prefs?lang=en&next=/")
    english = demo_client.get(f"/services/items/{code}")
    assert "Birth medical certificate (first issue)" in english.text
    assert "Fetched: department data" in english.text


def test_a_city_item_page_shows_its_differences(demo_client) -> None:  # type: ignore[no-untyped-def]
    cities = [
        i
        for i in demo_client.get("/api/v1/services/items", params={"q": "企业设立登记"}).json()
        if i["region"] == "330200"
    ]
    demo_client.get("/prefs?lang=en&next=/")
    page = demo_client.get(f"/services/items/{cities[0]['code']}")
    assert "Differences from the province's template" in page.text
    assert "Not required" in page.text and "住所（经营场所）使用证明" in page.text
    template = demo_client.get(
        f"/services/items/{cities[0]['code'][:6].replace('330200', '330000')}"
    )
    assert template.status_code == 404  # the code is the region plus the basic code
    province = demo_client.get(f"/services/items/330000{cities[0]['basic_code']}")
    assert "Implemented in" in province.text and cities[0]["code"] in province.text


def test_unknown_item_and_bundle_are_404_problems(demo_client) -> None:  # type: ignore[no-untyped-def]
    missing = demo_client.get("/api/v1/services/items/000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["type"].endswith("/service-item-not-found")
    bundle = demo_client.get("/api/v1/services/bundles/no-such-thing")
    assert bundle.status_code == 404
    assert bundle.json()["type"].endswith("/service-bundle-not-found")
    page = demo_client.get("/services/items/000000", headers={"accept": "text/html"})
    assert page.status_code == 404 and "<html" in page.text


def test_api_items_item_bundles_and_completeness(demo_client) -> None:  # type: ignore[no-untyped-def]
    items = demo_client.get("/api/v1/services/items").json()
    assert len(items) >= 50
    ps = demo_client.get("/api/v1/services/items", params={"department": "ps"}).json()
    assert ps and {i["department"] for i in ps} == {"ps"}
    code = _item_code(demo_client, "企业设立登记")
    item = demo_client.get(f"/api/v1/services/items/{code}").json()
    assert item["template"] is None and len(item["implementations"]) == 3
    assert item["result_licence"] == "business_licence"
    city = demo_client.get(f"/api/v1/services/items/{item['implementations'][0]}").json()
    assert city["template"] == code and "differences" in city

    bundles = {b["code"]: b for b in demo_client.get("/api/v1/services/bundles").json()}
    assert set(bundles) == {"having-a-baby", "starting-a-business", "retirement"}
    baby = bundles["having-a-baby"]
    assert 0 < baby["materials_fetched"] == baby["materials"]  # issue 18: nothing asked
    baby = demo_client.get("/api/v1/services/bundles/having-a-baby").json()
    assert len(baby["items"]) == 5 and "birth_data" in baby["shared_materials"]

    gaps = demo_client.get("/api/v1/services/completeness").json()
    names = {g["name"] for g in gaps}
    assert {"民办学校设立", "基本殡葬服务补贴", "发票领用"} <= names
    edu = demo_client.get("/api/v1/services/completeness", params={"department": "edu"}).json()
    assert [g["name"] for g in edu] == ["民办学校设立"]
    assert (
        demo_client.get("/api/v1/services/completeness", params={"department": "nope"}).status_code
        == 404
    )


def test_workbench_lists_the_department_incomplete_guides(demo_client) -> None:  # type: ignore[no-untyped-def]
    assert demo_client.get("/workbench/services", follow_redirects=False).status_code in (303, 401)
    sign_in_staff(demo_client, "tax.reviewer")
    page = demo_client.get("/workbench/services")
    assert page.status_code == 200
    assert "发票领用" in page.text and "个人所得税综合所得汇算清缴" in page.text
    assert "民办学校设立" not in page.text
    assert "未知的电子证照类型" in page.text
