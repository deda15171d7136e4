"""The demo service catalog: items, bundles, templates and the completeness check."""

from __future__ import annotations

from onceonly.identity import service as identity
from onceonly.services.items import service
from onceonly.services.items.service import item_gaps
from onceonly.services.models import ServiceItem, SourceKind

BUNDLE_CODES = {"having-a-baby", "starting-a-business", "retirement"}


def test_demo_has_fifty_items_across_departments_and_three_bundles(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        items = service.list_items(session)
        assert len(items) >= 50
        kinds = {item.department.kind for item in items}
        assert {"public_security", "civil_affairs", "health", "hrss"} <= kinds
        assert {"market_regulation", "housing_fund", "education", "tax"} <= kinds
        assert len({item.code for item in items}) == len(items)
        bundles = {b.code: b for b in service.list_bundles(session)}
        assert set(bundles) == BUNDLE_CODES
        baby = [item.name for item in service.bundle_items(bundles["having-a-baby"])]
        assert baby == [
            "出生医学证明首次签发",
            "出生登记（新生儿入户）",
            "新生儿参加城乡居民基本医疗保险",
            "社会保障卡申领",
            "生育津贴申领",
        ]


def test_baby_bundle_fetches_the_birth_certificate_and_shares_materials(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        bundle = service.get_bundle(session, "having-a-baby")
        shared = service.shared_materials(bundle)
        # The birth data is needed by three of the five items and fetched once.
        assert len(shared["birth_data"]) == 3
        fetched, total = service.fetched_share(service.bundle_items(bundle))
        assert 0 < fetched == total  # issue 18: the parents are asked for nothing
        birth = service.bundle_items(bundle)[0]
        sources = {m.key: m for m in birth.materials}
        assert sources["birth_data"].source_kind is SourceKind.EXCHANGE
        assert sources["birth_data"].resource_code == "health.births"
        assert birth.result_licence == "birth_cert"


def test_completeness_names_the_deliberate_gaps(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        found = {entry.item.name: entry.gaps for entry in service.completeness(session)}
        assert {g.element for g in found["民办学校设立"]} == {"legal_basis", "fees"}
        assert [(g.material, g.reason) for g in found["基本殡葬服务补贴"]] == [
            ("火化证明", "no source")
        ]
        assert [g.reason for g in found["发票领用"]] == ["unknown licence type"]
        assert {g.element for g in found["个人所得税综合所得汇算清缴"]} == {
            "statutory_days",
            "promised_days",
        }
        # Complete items are not listed.
        assert "出生登记（新生儿入户）" not in found


def test_completeness_for_a_department_includes_its_cities(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        ps = identity.department_by_code(session, "ps")
        found = service.completeness(session, ps.id)
        assert found, "the city's renewal guide without place or phone belongs to ps"
        assert {e.item.department.kind for e in found} == {"public_security"}
        city = [e for e in found if e.item.region_code != "330000"]
        assert city and {g.element for g in city[0].gaps} == {"places", "phone"}
        edu = identity.department_by_code(session, "edu")
        assert [e.item.name for e in service.completeness(session, edu.id)] == ["民办学校设立"]


def test_material_sources_are_checked_against_the_catalog(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        item = service.list_items(session, query="出生医学证明首次签发")[0]
        resources = {"health.births": {"cert_no"}}
        reasons = {g.material: g.reason for g in item_gaps(item, resources)}
        assert reasons["新生儿出生信息"] == "fields not in the data resource"
        assert reasons["婚姻登记信息"] == "unknown data resource"
        assert "申请人居民身份证" not in reasons  # a licence type that exists


def test_search_matches_names_keywords_and_codes(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        names = {i.name for i in service.list_items(session, query="身份证")}
        assert {"居民身份证首次申领", "居民身份证换领"} <= names
        assert {i.name for i in service.list_items(session, query="落户")} >= {
            "出生登记（新生儿入户）"
        }
        assert service.list_items(session, query="Divorce")[0].name == "内地居民离婚登记"
        assert service.list_items(session, query="100%_") == []
        code = service.list_items(session, query="驾驶证")[0].code
        assert [i.code for i in service.list_items(session, query=code)] == [code]


def test_city_items_implement_the_province_template_and_differences_show(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        template = service.list_items(session, region_code="330000", query="企业设立登记")[0]
        cities = service.implementations(session, template)
        assert {c.region_code for c in cities} == {"330100", "330200", "330300"}
        by_region = {c.region_code: service.compare(session, c) for c in cities}
        donghu = by_region["330100"]
        assert donghu is not None
        assert [(d.element, d.template, d.implementation) for d in donghu.elements] == [
            ("online_depth", 4, 3),
            ("max_trips", 0, 1),
        ]
        xiling = by_region["330200"]
        assert xiling is not None and xiling.materials_removed == ["住所（经营场所）使用证明"]
        nangang = by_region["330300"]
        assert nangang is not None and nangang.same
        assert service.compare(session, template) is None
        assert all(c.basic_code == template.basic_code for c in cities)


def test_an_inactive_item_is_not_found(demo_db) -> None:  # type: ignore[no-untyped-def]
    from onceonly.core.errors import NotFound

    with demo_db.session() as session:
        item = service.list_items(session)[0]
        session.get(ServiceItem, item.id).active = False  # type: ignore[union-attr]
        session.flush()
        try:
            service.get_item(session, item.code)
        except NotFound as problem:
            assert problem.code == "service-item-not-found"
        else:
            raise AssertionError("an inactive item was found")
