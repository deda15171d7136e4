"""A department keeps its service guides: fixing the gaps the completeness check lists,
refusing mistakes (a promise beyond the law, a source that names nothing), through the
service, the workbench form and the API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.core.errors import Forbidden, Invalid
from onceonly.identity import service as identity
from onceonly.services.items import guides, service
from onceonly.services.models import ServiceItem
from tests.helpers import csrf_from, sign_in_staff
from tests.services.test_api_applications import problem
from tests.services.test_applications import staff

API = "/api/v1/services"


def item_named(session: Any, name: str) -> ServiceItem:
    item = session.scalar(select(ServiceItem).where(ServiceItem.name == name))
    assert item is not None
    return item


def gaps_of(session: Any, item: ServiceItem) -> set[str]:
    found = {e.item.code: e.gaps for e in service.completeness(session)}
    return {g.element for g in found.get(item.code, [])}


def test_the_department_fills_its_missing_elements(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        school = item_named(session, "民办学校设立")
        admin = staff(session, "edu.admin")
        guide = guides.guide_of(school)
        guide.legal_basis = "《中华人民共和国民办教育促进法》第十二条"
        guide.fees = "不收费"
        changed = guides.update(session, school, guide, identity.actor_for_user(admin))
        assert changed == ["legal_basis", "fees"]
        assert gaps_of(session, school) == set()
        # Saving the same guide again changes nothing and records nothing.
        assert guides.update(session, school, guide, identity.actor_for_user(admin)) == []
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "services.item.updated")
        ).all()
        assert [e.object_id for e in entries] == [school.code]


def test_mistakes_are_refused_and_nothing_is_saved(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        birth = item_named(session, "出生医学证明首次签发")
        actor = identity.actor_for_user(staff(session, "health.admin"))
        guide = guides.guide_of(birth)
        statutory = guide.statutory_days
        assert statutory is not None
        guide.promised_days = statutory + 1
        data = next(m for m in guide.materials if m.resource_code == "health.births")
        data.fields = [*data.fields, "no_such_field"]
        guide.materials.append(
            guides.MaterialIn(
                key="extra",
                name="另一份",
                source_kind="exchange",
                resource_code="nowhere.x",
                fields=["a"],
            )
        )
        with pytest.raises(Invalid) as refused:
            guides.update(session, birth, guide, actor)
        reasons = {e["field"]: e["reason"] for e in refused.value.extra["errors"]}
        assert reasons["promised_days"] == "longer than the statutory time limit"
        assert reasons[f"materials.{data.key}"].endswith("no_such_field")
        assert reasons["materials.extra"] == "unknown data resource"
        session.rollback()
        birth = item_named(session, "出生医学证明首次签发")
        assert "extra" not in {m.key for m in birth.materials}
        with pytest.raises(ValueError):
            guides.GuideIn.model_validate(
                {"materials": [{"key": "a", "name": "x"}, {"key": "a", "name": "y"}]}
            )


def test_only_the_items_department_or_one_above_it_edits(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        school = item_named(session, "民办学校设立")
        assert guides.can_edit(session, staff(session, "edu.steward"), school)
        assert not guides.can_edit(session, staff(session, "edu.reviewer"), school)
        assert not guides.can_edit(session, staff(session, "health.admin"), school)
        assert guides.can_edit(session, staff(session, "dsb.platform"), school)
        with pytest.raises(Forbidden):
            guides.require_editor(session, staff(session, "health.admin"), school)
        # A city's implementation is kept by the city and by the province above it.
        ps = identity.department_by_code(session, "ps")
        city = next(
            e.item for e in service.completeness(session, ps.id) if e.item.region_code != "330000"
        )
        assert guides.can_edit(session, staff(session, "ps.admin"), city)


def form_of(guide: guides.GuideIn, **changes: str) -> dict[str, Any]:
    values = guide.model_dump(mode="json")
    form: dict[str, Any] = {
        k: "" if values[k] is None else str(values[k])
        for k in (
            "legal_basis",
            "conditions",
            "fees",
            "places",
            "phone",
            "statutory_days",
            "promised_days",
            "online_depth",
            "max_trips",
        )
    }
    if values["cross_region"]:
        form["cross_region"] = "1"
    materials = values["materials"]
    form |= {
        "m_key": [m["key"] for m in materials],
        "m_name": [m["name"] for m in materials],
        "m_use": ["required" if m["required"] else "optional" for m in materials],
        "m_source": [m["source_kind"] or "" for m in materials],
        "m_licence": [m["licence_type"] for m in materials],
        "m_resource": [m["resource_code"] for m in materials],
        "m_fields": [", ".join(m["fields"]) for m in materials],
        "m_note": [m["note"] for m in materials],
    }
    return form | changes


def test_the_workbench_form_fixes_a_material_without_a_source(demo_client: TestClient) -> None:
    client = demo_client
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        subsidy = item_named(session, "基本殡葬服务补贴")
        code, department = subsidy.code, subsidy.department.code
        guide = guides.guide_of(subsidy)
    sign_in_staff(client, f"{department}.admin")
    listing = client.get("/workbench/services")
    assert f'href="/workbench/services/items/{code}/edit"' in listing.text
    edit = f"/workbench/services/items/{code}/edit"
    page = client.get(edit)
    assert page.status_code == 200 and 'id="gaps"' in page.text and "火化证明" in page.text
    form = form_of(guide, csrf_token=csrf_from(client, edit))
    cremation = form["m_name"].index("火化证明")
    # A promise longer than the statutory limit comes back with the typed values.
    bad = form | {"statutory_days": "5", "promised_days": "9", "phone": "0571-12345"}
    refused = client.post(edit, data=bad)
    assert refused.status_code == 422 and 'id="form-errors"' in refused.text
    assert "<strong>承诺办结时限</strong>: 长于法定办结时限" in refused.text
    assert 'value="0571-12345"' in refused.text
    not_a_number = client.post(edit, data=form | {"promised_days": "soon"})
    assert not_a_number.status_code == 422
    assert "<strong>承诺办结时限</strong>: Input should be a valid integer" in not_a_number.text
    sources = list(form["m_source"])
    sources[cremation] = "upload"
    saved = client.post(edit, data=form | {"m_source": sources})
    assert saved.status_code == 200 and "办事指南已保存" in saved.text
    assert 'id="complete"' in saved.text
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        assert gaps_of(session, item_named(session, "基本殡葬服务补贴")) == set()
    # Without the CSRF token nothing is saved.
    assert (
        client.post(edit, data={k: v for k, v in form.items() if k != "csrf_token"}).status_code
        == 403
    )

    reviewer = TestClient(client.app)
    sign_in_staff(reviewer, f"{department}.reviewer")
    assert reviewer.get(edit).status_code == 403


def test_the_guide_api_round_trips_and_refuses(demo_client: TestClient) -> None:
    client = demo_client
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        school = item_named(session, "民办学校设立")
        code = school.code
    body = client.get(f"{API}/items/{code}/guide").json()
    assert body["legal_basis"] == "" and body["materials"]
    problem(client.put(f"{API}/items/{code}/guide", json=body), 401)
    other = TestClient(client.app)
    sign_in_staff(other, "health.admin")
    problem(other.put(f"{API}/items/{code}/guide", json=body), 403)
    sign_in_staff(client, "edu.steward")
    problem(client.put(f"{API}/items/{code}/guide", json=body | {"online_depth": 7}), 422)
    problem(client.put(f"{API}/items/NOPE/guide", json=body), 404)
    answer = client.put(
        f"{API}/items/{code}/guide",
        json=body | {"legal_basis": "《民办教育促进法》", "fees": "免费"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"changed": ["legal_basis", "fees"], "gaps": []}
    assert client.get(f"{API}/items/{code}").json()["legal_basis"] == "《民办教育促进法》"
