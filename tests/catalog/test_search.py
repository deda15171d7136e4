"""Full-text search with facets, the same on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from onceonly.catalog import service
from onceonly.catalog.models import OpenClass, ShareClass
from onceonly.catalog.schemas import ResourceIn
from onceonly.catalog.search import SearchQuery, query_terms, tokens
from onceonly.core.actors import Actor
from onceonly.identity import service as identity
from onceonly.identity.models import RegionLevel

STEWARD = Actor("system", "test", "test steward")


def resource(code: str, name: str, **extra: object) -> ResourceIn:
    base: dict[str, object] = {
        "code": code,
        "name": name,
        "subject_type": "person",
        "key_field": "id_number",
        "share_class": "conditional",
        "fields": [
            {"name": "id_number", "sensitivity": "personal", "description": "公民身份号码"},
            {"name": "status", "sensitivity": "internal", "description": "状态"},
        ],
    }
    return ResourceIn.model_validate(base | extra)


@pytest.fixture
def catalog(db):  # type: ignore[no-untyped-def]
    with db.session() as session:
        identity.add_region(session, "330000", "浙江省", RegionLevel.province)
        ps = identity.add_department(
            session, code="ps", name="省公安厅", kind="public_security", region_code="330000"
        )
        ca = identity.add_department(
            session, code="ca", name="省民政厅", kind="civil_affairs", region_code="330000"
        )
        for spec, department in [
            (
                resource(
                    "ps.residents",
                    "常住人口登记信息",
                    description="户籍人口的基本登记信息",
                    tags=["户籍", "人口"],
                    update_frequency="realtime",
                ),
                ps,
            ),
            (resource("ps.households", "户籍户信息", tags=["户籍"]), ps),
            (
                resource(
                    "ca.marriages",
                    "婚姻登记信息",
                    description="Marriage registrations (结婚登记)",
                    tags=["婚姻", "民政"],
                ),
                ca,
            ),
            (
                resource(
                    "ca.welfare_stats",
                    "Welfare statistics",
                    subject_type="other",
                    key_field="division",
                    share_class="unconditional",
                    open_class="unconditional",
                    tags=["民政", "统计"],
                    fields=[{"name": "division", "sensitivity": "public"}],
                ),
                ca,
            ),
        ]:
            service.register_resource(session, spec, department, STEWARD)
    return db


def codes(db, **query: object) -> list[str]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return [r.code for r in service.search(session, SearchQuery(**query)).items]  # type: ignore[arg-type]


def test_tokens_are_bigrams_for_cjk_and_words_for_latin() -> None:
    assert tokens("户籍人口 PS.Residents ＡＢＣ１") == [
        "户籍", "籍人", "人口", "口", "ps", "residents", "abc1",
    ]  # fmt: skip
    assert [[t.token for t in term] for term in query_terms("婚姻登记 resid")] == [
        ["婚姻", "姻登", "登记"],
        ["resid"],
    ]
    assert query_terms("'; DROP TABLE --") == query_terms("drop table")


def test_chinese_words_find_resources_without_spaces(catalog) -> None:  # type: ignore[no-untyped-def]
    assert set(codes(catalog, q="户籍")) == {"ps.residents", "ps.households"}
    assert codes(catalog, q="婚姻登记") == ["ca.marriages"]
    assert codes(catalog, q="结婚") == ["ca.marriages"]  # inside a Latin description
    # a single character matches inside a word and at its end
    assert set(codes(catalog, q="籍")) == {"ps.residents", "ps.households"}
    assert "ca.marriages" in codes(catalog, q="记")
    # a phrase: the characters must be adjacent, not merely present
    assert codes(catalog, q="登记婚姻") == []


def test_latin_prefix_fields_and_ranking(catalog) -> None:  # type: ignore[no-untyped-def]
    assert codes(catalog, q="Marri") == ["ca.marriages"]
    assert codes(catalog, q="welfare STATISTICS") == ["ca.welfare_stats"]
    # field descriptions and the department's name are searchable too
    assert len(codes(catalog, q="公民身份号码")) == 3
    assert set(codes(catalog, q="民政厅")) == {"ca.marriages", "ca.welfare_stats"}
    # a word in the title outranks the same word only in the description
    assert codes(catalog, q="人口")[0] == "ps.residents"
    assert codes(catalog, q="nothing-like-this") == []
    assert codes(catalog, q="  ;;  ") == codes(catalog)  # no words: everything


def test_facets_count_around_their_own_selection(catalog) -> None:  # type: ignore[no-untyped-def]
    with catalog.session() as session:
        result = service.search(session, SearchQuery(department="ca"))
        assert [r.code for r in result.items] == ["ca.marriages", "ca.welfare_stats"]
        # the department facet ignores its own choice, so 'ps' stays choosable
        assert {f.value: f.count for f in result.facets["department"]} == {"ca": 2, "ps": 2}
        assert {f.value: f.count for f in result.facets["share_class"]} == {
            "conditional": 1,
            "unconditional": 1,
        }
        assert {f.value: f.count for f in result.facets["tags"]} == {
            "民政": 2,
            "婚姻": 1,
            "统计": 1,
        }
        result = service.search(
            session, SearchQuery(q="登记", share_class=ShareClass.CONDITIONAL, tags=("户籍",))
        )
        assert [r.code for r in result.items] == ["ps.residents"]
        assert result.total == 1
        result = service.search(session, SearchQuery(open_class=OpenClass.UNCONDITIONAL))
        assert [r.code for r in result.items] == ["ca.welfare_stats"]
        assert {f.value: f.count for f in result.facets["open_class"]} == {
            "not_open": 3,
            "unconditional": 1,
        }
        assert service.search(session, SearchQuery(department="nope")).total == 0


def test_pages(catalog) -> None:  # type: ignore[no-untyped-def]
    with catalog.session() as session:
        first = service.search(session, SearchQuery(limit=3))
        second = service.search(session, SearchQuery(limit=3, offset=3))
    assert first.total == second.total == 4 and first.pages == 2
    assert len(first.items) == 3 and len(second.items) == 1
    assert {r.code for r in first.items} | {r.code for r in second.items} == {
        "ps.residents", "ps.households", "ca.marriages", "ca.welfare_stats",
    }  # fmt: skip


def test_index_follows_updates_and_rolls_back_with_them(catalog) -> None:  # type: ignore[no-untyped-def]
    with catalog.session() as session:
        spec = resource("ps.households", "户口簿信息", tags=["户口"])
        service.update_resource(session, "ps.households", spec, STEWARD)
    assert codes(catalog, q="户口簿") == ["ps.households"]
    assert codes(catalog, q="户籍户") == []
    assert codes(catalog, tags=("户籍",)) == ["ps.residents"]
    with pytest.raises(RuntimeError), catalog.session() as session:
        spec = resource("ps.households", "迁移证明", tags=["迁移"])
        service.update_resource(session, "ps.households", spec, STEWARD)
        raise RuntimeError("the request fails after the update")
    assert codes(catalog, q="迁移") == []
    assert codes(catalog, q="户口簿") == ["ps.households"]


def test_reindex_rebuilds_a_lost_index(catalog) -> None:  # type: ignore[no-untyped-def]
    with catalog.session() as session:
        session.execute(text("DELETE FROM catalog_search"))
        session.execute(text("DELETE FROM catalog_resource_tags"))
    assert codes(catalog, q="户籍") == []
    with catalog.session() as session:
        assert service.reindex(session) == 4
    assert set(codes(catalog, q="户籍")) == {"ps.residents", "ps.households"}
    assert codes(catalog, tags=("统计",)) == ["ca.welfare_stats"]
