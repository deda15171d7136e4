"""Appeal fixtures: the demo province, an Open311 system client, staff actors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from onceonly.core.actors import Actor
from onceonly.identity import service as identity
from onceonly.identity.models import Department, User
from tests.helpers import system_client

SYSTEM = Actor("system", "test", "test")


@dataclass
class Open311Client:
    api_key: str
    other_key: str  # a valid key without the appeals:submit scope


@pytest.fixture
def open311_client(demo_db) -> Open311Client:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        hotline = session.scalar(select(Department).where(Department.kind == "hotline"))
        good = system_client(session, hotline, "city-app", ["appeals:submit"], "City app")
        other = system_client(session, hotline, "other-app", ["licences:verify"], "Other app")
        return Open311Client(good.api_key, other.api_key)


def staff_actor(session, username: str) -> Actor:  # type: ignore[no-untyped-def]
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return identity.actor_for_user(user)


def city_department(session, kind: str, region: str) -> Department:  # type: ignore[no-untyped-def]
    department = session.scalar(
        select(Department).where(Department.kind == kind, Department.region_code == region)
    )
    assert department is not None
    return department
