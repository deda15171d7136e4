"""Administrators create service items and create or edit life-event bundles.

A new item starts with its identity only (code, name, department, kind); its guide and
materials are then kept in the guide editor (`guides`), whose checks refuse mistakes and
whose completeness check lists what is still missing. A bundle names existing, offered
items of its subject, in order; saving one shows the gaps of its items' guides.

A department administrator creates items for their department (or one under it) and
edits a bundle only if every item in it is their departments'; a bundle across
departments is the platform administrator's.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.errors import Conflict, Forbidden, Invalid, NotFound
from onceonly.identity.models import Department, Role, User
from onceonly.services.items import service
from onceonly.services.models import (
    ItemKind,
    LifeEvent,
    LifeEventItem,
    ServiceItem,
    SubjectKind,
)

ADMIN_ROLES = (Role.platform_admin, Role.department_admin)
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{3,60}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ItemIn(BaseModel):
    code: Code  # the implementation code, unique on the platform
    basic_code: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,30}$")
    ]
    name: Name
    name_en: Line = ""
    department: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
    kind: ItemKind
    subject: SubjectKind = SubjectKind.PERSON
    keywords: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class BundleIn(BaseModel):
    code: Code
    name: Name
    name_en: Line = ""
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    subject: SubjectKind = SubjectKind.PERSON
    promised_days: int | None = Field(default=None, ge=1, le=365)
    active: bool = True
    items: list[Code] = Field(min_length=1, max_length=20)

    @field_validator("items")
    @classmethod
    def _once(cls, items: list[str]) -> list[str]:
        if len(set(items)) != len(items):
            raise ValueError("an item is listed twice")
        return items


def _tree(session: Session, user: User) -> list[int] | None:
    """The departments the user administers (None: all, a platform administrator)."""
    if Role.platform_admin in user.roles:
        return None
    if Role.department_admin not in user.roles or user.department_id is None:
        raise Forbidden("this needs a department administrator", code="missing-role")
    return service.department_tree(session, user.department_id)


def create_item(session: Session, user: User, spec: ItemIn, by: Actor) -> ServiceItem:
    department = session.scalar(select(Department).where(Department.code == spec.department))
    if department is None:
        raise Invalid(f"no department {spec.department}", code="unknown-department")
    tree = _tree(session, user)
    if tree is not None and department.id not in tree:
        raise Forbidden("you administer another department", code="not-your-department")
    if session.scalar(select(ServiceItem.id).where(ServiceItem.code == spec.code)) is not None:
        raise Conflict(f"the code {spec.code} is taken", code="item-code-taken")
    item = ServiceItem(
        code=spec.code, basic_code=spec.basic_code, name=spec.name, name_en=spec.name_en,
        department_id=department.id, region_code=department.region_code, kind=spec.kind,
        subject=spec.subject, keywords=spec.keywords, online_depth=1,
    )  # fmt: skip
    session.add(item)
    session.flush()
    audit.record(session, audit.Event("services.item.created", by, "service_item", item.code,
                                      detail={"department": department.code}))  # fmt: skip
    return item


def get_bundle(session: Session, code: str) -> LifeEvent:
    """A bundle, offered or not (administrators also see the retired ones)."""
    bundle = session.scalar(select(LifeEvent).where(LifeEvent.code == code))
    if bundle is None:
        raise NotFound(f"no life-event bundle {code}", code="service-bundle-not-found")
    return bundle


def list_bundles(session: Session) -> list[LifeEvent]:
    return list(session.scalars(select(LifeEvent).order_by(LifeEvent.code)))


def _items(session: Session, spec: BundleIn) -> list[ServiceItem]:
    found = {
        i.code: i
        for i in session.scalars(select(ServiceItem).where(ServiceItem.code.in_(spec.items)))
    }
    errors = [
        {"field": f"items.{code}", "reason": "no such service item offered"}
        for code in spec.items
        if code not in found or not found[code].active
    ] + [
        {"field": f"items.{code}", "reason": "for another kind of applicant"}
        for code in spec.items
        if code in found and found[code].subject is not spec.subject
    ]
    if errors:
        raise Invalid("the bundle was not saved", code="bad-bundle", errors=errors)
    return [found[code] for code in spec.items]


def save_bundle(
    session: Session, user: User, spec: BundleIn, by: Actor, bundle: LifeEvent | None = None
) -> LifeEvent:
    """Create a bundle (`bundle` None) or replace one's details and items."""
    items = _items(session, spec)
    tree = _tree(session, user)
    before = [e.item for e in bundle.entries] if bundle is not None else []
    if tree is not None and any(i.department_id not in tree for i in [*items, *before]):
        raise Forbidden(
            "a bundle with another department's items is kept by the platform administrator",
            code="not-your-departments",
        )
    taken = session.scalar(select(LifeEvent).where(LifeEvent.code == spec.code))
    if taken is not None and taken is not bundle:
        raise Conflict(f"the code {spec.code} is taken", code="bundle-code-taken")
    if bundle is None:
        bundle = LifeEvent(code=spec.code)
        session.add(bundle)
    bundle.code, bundle.name, bundle.name_en = spec.code, spec.name, spec.name_en
    bundle.description, bundle.subject = spec.description, spec.subject
    bundle.promised_days, bundle.active = spec.promised_days, spec.active
    bundle.entries = [LifeEventItem(item_id=i.id, item=i, position=n) for n, i in enumerate(items)]
    session.flush()
    audit.record(session, audit.Event("services.bundle.saved", by, "service_bundle", bundle.code,
                                      detail={"items": spec.items}))  # fmt: skip
    return bundle


def bundle_gaps(session: Session, bundle: LifeEvent) -> dict[str, list[service.Gap]]:
    """The completeness check on the bundle's items: item code → what its guide misses."""
    resources = service.resource_fields(session)
    gaps = {e.item.code: service.item_gaps(e.item, resources) for e in bundle.entries}
    return {code: found for code, found in gaps.items() if found}
