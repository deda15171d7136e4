"""Gateway fixtures: a test resource over the demo household register, a client, a grant."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, select, text

from onceonly.catalog import service as catalog
from onceonly.catalog.schemas import ResourceIn
from onceonly.core.actors import Actor
from onceonly.demo.sources import source_url
from onceonly.identity import service as identity
from onceonly.sharing import service as sharing
from tests.helpers import system_client

SYSTEM = Actor("system", "test", "test")
RESIDENT_FIELDS = [
    ("id_number", "personal"),
    ("name", "personal"),
    ("gender", "internal"),
    ("birth_date", "personal"),
    ("household_no", "internal"),
    ("division_code", "public"),
    ("address", "sensitive"),
    ("status", "internal"),
]


def register(session, code: str, department_code: str, **spec: object):  # type: ignore[no-untyped-def]
    department = identity.department_by_code(session, department_code)
    return catalog.register_resource(
        session, ResourceIn.model_validate(spec | {"code": code}), department, SYSTEM
    )


def residents_spec(**overrides: object) -> dict[str, object]:
    return {
        "name": "Residents (test)",
        "subject_type": "person",
        "key_field": "id_number",
        "share_class": "conditional",
        "connector_kind": "sql",
        "connector_config": {"source": "ps", "table": "residents"},
        "fields": [{"name": n, "sensitivity": s} for n, s in RESIDENT_FIELDS],
    } | overrides


@dataclass
class Gateway:
    key: str  # an API key with a grant on t.residents
    other_key: str  # a valid exchange key with no grant at all
    grant_id: int
    client_code: str
    people: list[dict[str, str]]  # a few residents straight from the source

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"authorization": f"Bearer {key or self.key}"}


def source_people(settings, n: int = 5) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    engine = create_engine(source_url(settings.database_url, settings.data_dir, "ps"))
    with engine.connect() as conn:
        rows = (
            conn.execute(
                text(
                    "SELECT id_number, name, household_no, division_code FROM residents "
                    "ORDER BY id_number LIMIT :n"
                ),
                {"n": n},
            )
            .mappings()
            .all()
        )
    engine.dispose()
    return [dict(r) for r in rows]


@pytest.fixture
def gateway(demo_db, demo_settings) -> Gateway:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        resource = register(session, "t.residents", "ps", **residents_spec())
        hrss = identity.department_by_code(session, "hrss")
        issued = system_client(
            session, hrss, "hrss-benefits", ["exchange:query"], "Benefits system"
        )
        other = system_client(session, hrss, "hrss-other", ["exchange:query"], "Other system")
        grant = sharing.grant_directly(
            session,
            client=issued.client,
            resource=resource,
            fields=["id_number", "name", "gender", "household_no", "division_code", "address"],
            clear_fields=["gender"],
            purpose="benefit eligibility",
            by=SYSTEM,
        )
        grant_id = grant.id
    return Gateway(
        issued.api_key, other.api_key, grant_id, "hrss-benefits", source_people(demo_settings)
    )


def client_row(session, code: str):  # type: ignore[no-untyped-def]
    from onceonly.identity.models import Client

    return session.scalar(select(Client).where(Client.code == code))
