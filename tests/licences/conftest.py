"""Licence fixtures: a demo province with a few licences issued."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from onceonly.core.actors import Actor
from onceonly.identity.models import Department, Person
from onceonly.licences import service
from onceonly.licences.models import Licence

ISSUER = Actor("system", "test", "test issuer")


@dataclass
class Issued:
    holder: str
    ps_code: str
    ca_code: str
    serial: str
    credential: str


def provincial(session, kind: str) -> Department:  # type: ignore[no-untyped-def]
    return session.scalars(
        select(Department).where(Department.kind == kind, Department.parent_id.is_(None))
    ).first()


def resident_claims(person: Person) -> dict[str, str]:
    return {
        "id_number": person.id_number,
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat(),
        "address": "杭州市西湖区文三路 1 号",
    }


@pytest.fixture
def issued(demo_db) -> Issued:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        person = session.scalars(select(Person).order_by(Person.id)).first()
        ps = provincial(session, "public_security")
        ca = provincial(session, "civil_affairs")
        request = service.IssueRequest("resident_id", person.id_number, resident_claims(person))
        licence = service.issue(session, ps, request, ISSUER)
        return Issued(person.id_number, ps.code, ca.code, licence.serial, licence.credential)


def get_licence(session, serial: str) -> Licence:  # type: ignore[no-untyped-def]
    return session.scalar(select(Licence).where(Licence.serial == serial))
