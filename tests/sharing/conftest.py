"""Sharing fixtures: three test resources (conditional, unconditional, not shared)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from onceonly.identity import service as identity
from onceonly.identity.models import User
from tests.exchange.conftest import SYSTEM, register, residents_spec


@dataclass
class Setup:
    client_code: str
    api_key: str


@pytest.fixture
def setup(demo_db) -> Setup:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        register(session, "t.residents", "ps", **residents_spec())
        register(
            session,
            "t.companies",
            "amr",
            name="Companies (test)",
            subject_type="entity",
            key_field="credit_code",
            share_class="unconditional",
            connector_config={"source": "amr", "table": "companies"},
            fields=[
                {"name": "credit_code", "sensitivity": "public"},
                {"name": "name", "sensitivity": "public"},
            ],
        )
        register(
            session,
            "t.secret",
            "ps",
            **residents_spec(share_class="not_shared", legal_basis="State secrets law"),
        )
        hrss = identity.department_by_code(session, "hrss")
        issued = identity.create_client(
            session,
            code="hrss-benefits",
            name="Benefits",
            department=hrss,
            scopes=["exchange:query"],
            by=SYSTEM,
        )
        return Setup("hrss-benefits", issued.api_key)


def user(session, username: str) -> User:  # type: ignore[no-untyped-def]
    found = session.scalar(select(User).where(User.username == username))
    assert found is not None, username
    return found
