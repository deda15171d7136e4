"""Which department handles an item for an applicant, and under which implementation.

An item is handled where it is submitted, unless it is marked cross-region (全省通办):
then it may be submitted anywhere and goes to the applicant's home region. Within the
target region the competent department is the one of the item department's kind at the
lowest level that has one (county, then city, then province); the item used is that
region's implementation of the province template when one exists, so its promised days
and trips apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.errors import Invalid
from onceonly.identity.models import Department, Region
from onceonly.services.models import ServiceItem


@dataclass(frozen=True)
class Route:
    item: ServiceItem  # the implementation that applies
    department: Department
    region_code: str  # the region the case was sent to


def region_chain(session: Session, code: str) -> list[str]:
    """The region and its ancestors, lowest first (county → city → province)."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        region = session.get(Region, current)
        if region is None:
            if not chain:
                raise Invalid(f"unknown region {code}", code="unknown-region")
            break
        chain.append(region.code)
        current = region.parent_code
    return chain


def target_region(item: ServiceItem, submitted_in: str, home: str | None) -> str:
    return home if item.cross_region and home else submitted_in


def route(session: Session, item: ServiceItem, submitted_in: str, home: str | None) -> Route:
    """The competent department and the applicable implementation of `item`."""
    template = session.get(ServiceItem, item.template_id) if item.template_id else item
    assert template is not None
    region = target_region(template, submitted_in, home)
    chain = region_chain(session, region)
    kind = template.department.kind
    departments = {
        d.region_code: d
        for d in session.scalars(
            select(Department).where(Department.kind == kind, Department.region_code.in_(chain))
        )
    }
    department = next((departments[c] for c in chain if c in departments), None)
    if department is None:
        raise Invalid(
            f"no {kind} department serves region {region} for {template.code}",
            code="no-competent-department",
        )
    implementation = session.scalar(
        select(ServiceItem).where(
            ServiceItem.template_id == template.id,
            ServiceItem.region_code.in_(chain),
            ServiceItem.active.is_(True),
        )
    )
    return Route(implementation or template, department, region)
