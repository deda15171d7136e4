"""Sharing fixtures: three test resources (conditional, unconditional, not shared)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from onceonly.identity import service as identity
from onceonly.identity.models import User
from tests.exchange.conftest import register, residents_spec
from tests.helpers import system_client


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
        issued = system_client(session, hrss, "hrss-benefits", ["exchange:query"], "Benefits")
        return Setup("hrss-benefits", issued.api_key)


def user(session, username: str) -> User:  # type: ignore[no-untyped-def]
    found = session.scalar(select(User).where(User.username == username))
    assert found is not None, username
    return found
