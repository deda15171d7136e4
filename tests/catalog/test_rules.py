"""The catalog's rules: codes, classes, legal basis, versions."""

from __future__ import annotations

import pytest

from onceonly.catalog import service
from onceonly.catalog.schemas import ResourceIn
from onceonly.core.actors import Actor
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.identity import service as identity
from onceonly.identity.models import Department, RegionLevel

STEWARD = Actor("system", "test", "test steward")


def spec(**overrides: object) -> ResourceIn:
    base: dict[str, object] = {
        "code": "ps.residents",
        "name": "Resident register",
        "subject_type": "person",
        "key_field": "id_number",
        "share_class": "conditional",
        "open_class": "not_open",
        "fields": [
            {"name": "id_number", "sensitivity": "personal"},
            {"name": "name", "sensitivity": "personal"},
            {"name": "division_code", "sensitivity": "public"},
        ],
    }
    return ResourceIn.model_validate(base | overrides)


@pytest.fixture
def department(db) -> Department:  # type: ignore[no-untyped-def]
    with db.session() as session:
        identity.add_region(session, "330000", "浙江省", RegionLevel.province)
        return identity.add_department(
            session, code="ps", name="公安厅", kind="public_security", region_code="330000"
        )


def test_register_then_get(db, department) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        service.register_resource(session, spec(), department, STEWARD)
    with db.session() as session:
        resource = service.get_resource(session, "ps.residents")
        assert resource.field_names == ["id_number", "name", "division_code"]
        assert resource.version == 1
        assert [v.version for v in service.versions(session, resource)] == [1]


def test_code_is_unique(db, department) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        service.register_resource(session, spec(), department, STEWARD)
    with pytest.raises(Conflict), db.session() as session:
        service.register_resource(session, spec(), department, STEWARD)


def test_not_shared_needs_legal_basis(db, department) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as caught, db.session() as session:
        service.register_resource(session, spec(share_class="not_shared"), department, STEWARD)
    assert caught.value.extra["errors"][0]["field"] == "legal_basis"
    with db.session() as session:
        service.register_resource(
            session,
            spec(share_class="not_shared", legal_basis="State secrets law"),
            department,
            STEWARD,
        )


def test_open_data_cannot_hold_personal_fields(db, department) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as caught, db.session() as session:
        service.register_resource(session, spec(open_class="unconditional"), department, STEWARD)
    reason = caught.value.extra["errors"][0]["reason"]
    assert "id_number" in reason and "name" in reason and "division_code" not in reason


def test_key_field_must_exist(db, department) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid), db.session() as session:
        service.register_resource(session, spec(key_field="nope"), department, STEWARD)


def test_changed_fields_make_a_new_version(db, department) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        service.register_resource(session, spec(), department, STEWARD)
    with db.session() as session:
        service.update_resource(session, "ps.residents", spec(name="Residents"), STEWARD)
        assert service.get_resource(session, "ps.residents").version == 1
    wider = spec(fields=[*spec().model_dump()["fields"], {"name": "address"}])
    with db.session() as session:
        resource = service.update_resource(session, "ps.residents", wider, STEWARD)
        assert resource.version == 2
        assert [v.version for v in service.versions(session, resource)] == [2, 1]


def test_unknown_code_is_not_found(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound), db.session() as session:
        service.get_resource(session, "nope")
