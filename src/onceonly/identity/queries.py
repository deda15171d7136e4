"""Read-only lists the identity pages show: demo sign-in choices, users, clients."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.meta import get_meta
from onceonly.identity.models import Client, Department, LegalEntity, Person, Region, User


def featured_people(session: Session, limit: int) -> list[Person]:
    return list(session.scalars(select(Person).order_by(Person.id).limit(limit)))


def featured_entities(session: Session, limit: int = 10) -> list[tuple[LegalEntity, Person]]:
    """Companies with the person who may act for them."""
    rows = session.execute(
        select(LegalEntity, Person)
        .join(Person, LegalEntity.representative_id == Person.id)
        .order_by(LegalEntity.id)
        .limit(limit)
    )
    return [(entity, person) for entity, person in rows]


def demo_stories(session: Session) -> dict[str, str]:
    """What each featured demo resident is there to show (a new mother, a retiree…)."""
    core = get_meta(session, "demo.core") or {}
    return {str(f["id_number"]): str(f["story"]) for f in core.get("featured", [])}


def person(session: Session, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def entity(session: Session, entity_id: int) -> LegalEntity | None:
    return session.get(LegalEntity, entity_id)


def department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def users_of(session: Session, departments: Sequence[Department]) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.department_id.in_([d.id for d in departments]))
            .order_by(User.department_id, User.username)
        )
    )


def clients_of(session: Session, departments: Sequence[Department]) -> list[Client]:
    return list(
        session.scalars(
            select(Client)
            .where(Client.department_id.in_([d.id for d in departments]))
            .order_by(Client.code)
        )
    )


def departments_by_code(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def regions(session: Session, *, below_province: bool = False) -> list[Region]:
    """Every region by code (or only those under the province: where people live)."""
    query = select(Region).order_by(Region.code)
    if below_province:
        query = query.where(Region.parent_code.is_not(None))
    return list(session.scalars(query))
