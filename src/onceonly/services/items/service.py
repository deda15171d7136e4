"""Service catalog rules: find items and bundles, compare an item with its template, and
list what is missing from the guides.

Other domains (supervision, applications) call these functions; no HTTP here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from onceonly.catalog import service as catalog
from onceonly.core.errors import Forbidden, NotFound
from onceonly.identity.models import Department, Role, User
from onceonly.licences.kinds import LICENCE_TYPES
from onceonly.services.models import (
    QUERIED_SOURCES,
    LifeEvent,
    Reach,
    ServiceItem,
    ServiceMaterial,
    SourceKind,
    reach_of,
)
from onceonly.services.reach import supply

# The guide elements every item must state (GB/T 39554.1 办事指南要素), by attribute;
# the labels are English message ids, translated where shown.
GUIDE_ELEMENTS: dict[str, str] = {
    "legal_basis": "Legal basis",
    "conditions": "Acceptance conditions",
    "fees": "Fees",
    "statutory_days": "Statutory time limit",
    "promised_days": "Promised time limit",
    "max_trips": "Trips needed at most",
    "places": "Where to apply",
    "phone": "Enquiry phone",
}
# What a city's item may legitimately change from the province's template, compared
# element by element (the name and the code differ by construction).
COMPARED = (
    "legal_basis",
    "conditions",
    "fees",
    "statutory_days",
    "promised_days",
    "online_depth",
    "max_trips",
    "cross_region",
)


@dataclass
class Gap:
    """One thing missing from an item's guide: an element, or a material's source."""

    element: str  # a GUIDE_ELEMENTS key, "materials", "promised_days" or "material"
    material: str = ""  # the material's name when the gap is a material's
    reason: str = ""  # an English message id


@dataclass
class Incomplete:
    item: ServiceItem
    gaps: list[Gap] = field(default_factory=list)


@dataclass
class Difference:
    element: str
    template: object
    implementation: object


@dataclass
class Comparison:
    template: ServiceItem
    item: ServiceItem
    elements: list[Difference]
    materials_added: list[str]
    materials_removed: list[str]
    materials_changed: list[str]  # same key, another source

    @property
    def same(self) -> bool:
        return not (
            self.elements
            or self.materials_added
            or self.materials_removed
            or self.materials_changed
        )


# Finding items ---------------------------------------------------------------------


def list_items(
    session: Session,
    *,
    department_id: int | None = None,
    region_code: str | None = None,
    query: str = "",
    limit: int | None = None,
) -> Sequence[ServiceItem]:
    """Active items by code; `query` matches the name (either language), code or keywords."""
    stmt = select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.code)
    if department_id is not None:
        stmt = stmt.where(ServiceItem.department_id == department_id)
    if region_code:
        stmt = stmt.where(ServiceItem.region_code == region_code)
    words = query.split()
    for word in words[:5]:  # every word must match somewhere
        pattern = f"%{_escape(word.lower())}%"
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        ServiceItem.name,
                        ServiceItem.name_en,
                        ServiceItem.code,
                        ServiceItem.keywords,
                    )
                )
            )
        )
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.scalars(stmt).all()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_item(session: Session, code: str) -> ServiceItem:
    item = session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if item is None or not item.active:
        raise NotFound(f"No service item with code {code!r}.", code="service-item-not-found")
    return item


def implementations(session: Session, template: ServiceItem) -> Sequence[ServiceItem]:
    """The items that implement a province's template, by code."""
    return session.scalars(
        select(ServiceItem)
        .where(ServiceItem.template_id == template.id, ServiceItem.active.is_(True))
        .order_by(ServiceItem.code)
    ).all()


def list_bundles(session: Session) -> Sequence[LifeEvent]:
    return session.scalars(
        select(LifeEvent).where(LifeEvent.active.is_(True)).order_by(LifeEvent.code)
    ).all()


def get_bundle(session: Session, code: str) -> LifeEvent:
    bundle = session.scalar(select(LifeEvent).where(LifeEvent.code == code))
    if bundle is None or not bundle.active:
        raise NotFound(f"No life-event bundle with code {code!r}.", code="service-bundle-not-found")
    return bundle


def bundle_items(bundle: LifeEvent) -> list[ServiceItem]:
    return [entry.item for entry in bundle.entries if entry.item.active]


def shared_materials(bundle: LifeEvent) -> dict[str, list[ServiceItem]]:
    """Material key → the bundle's items that need it, for keys needed more than once:
    these are asked for (or fetched) once for the whole bundle."""
    users: dict[str, list[ServiceItem]] = {}
    for item in bundle_items(bundle):
        for material in item.materials:
            users.setdefault(material.key, []).append(item)
    return {key: items for key, items in users.items() if len(items) > 1}


def fetched_share(items: Sequence[ServiceItem]) -> tuple[int, int]:
    """(materials the platform can fetch, all distinct materials) over these items."""
    kinds: dict[str, SourceKind | None] = {}
    for item in items:
        for material in item.materials:
            kinds.setdefault(material.key, material.source_kind)
    fetched = sum(1 for kind in kinds.values() if reach_of(kind) is not Reach.ASKED)
    return fetched, len(kinds)


# Templates and implementations -------------------------------------------------------


def compare(session: Session, item: ServiceItem) -> Comparison | None:
    """How an item differs from the template it implements (None without a template)."""
    if item.template_id is None:
        return None
    template = session.get(ServiceItem, item.template_id)
    if template is None:
        return None
    elements = [
        Difference(name, getattr(template, name), getattr(item, name))
        for name in COMPARED
        if getattr(template, name) != getattr(item, name)
    ]
    theirs = {m.key: m for m in template.materials}
    ours = {m.key: m for m in item.materials}
    return Comparison(
        template=template,
        item=item,
        elements=elements,
        materials_added=[ours[k].name for k in ours if k not in theirs],
        materials_removed=[theirs[k].name for k in theirs if k not in ours],
        materials_changed=[
            ours[k].name for k in ours if k in theirs and _source(ours[k]) != _source(theirs[k])
        ],
    )


def _source(material: ServiceMaterial) -> tuple[object, ...]:
    return (
        material.source_kind,
        material.licence_type,
        material.resource_code,
        tuple(material.fields),
        material.required,
    )


# Completeness ------------------------------------------------------------------------


def completeness(session: Session, department_id: int | None = None) -> list[Incomplete]:
    """Items whose guide misses an element or whose materials lack a usable source; with
    a department, its items and those of the departments under it (a province's bureau
    answers for its cities' guides).

    A source is usable when it names something that exists: a known licence type, or a
    catalog resource (not retired) holding every listed field.
    """
    resources = resource_fields(session)
    stmt = select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.code)
    if department_id is not None:
        stmt = stmt.where(ServiceItem.department_id.in_(department_tree(session, department_id)))
    found: list[Incomplete] = []
    for item in session.scalars(stmt):
        gaps = item_gaps(item, resources)
        if gaps:
            found.append(Incomplete(item, gaps))
    return found


def resource_fields(session: Session) -> dict[str, set[str]]:
    """Each catalog resource in use (not retired) and its fields: what a material's
    exchange source is checked against."""
    return {r.code: set(r.field_names) for r in catalog.list_resources(session)}


def departments_handled(
    session: Session, user: User, roles: Collection[Role], needs: str
) -> list[int] | None:
    """The departments whose work `user` handles with one of `roles`: their own and those
    under it; None (all) for a platform admin; 403 `missing-role` saying what it `needs`."""
    if user.is_platform_admin:
        return None
    if not user.roles.intersection(roles) or user.department_id is None:
        raise Forbidden(f"this needs {needs}", code="missing-role")
    return department_tree(session, user.department_id)


def handles(departments: Collection[int] | None, department_id: int | None) -> bool:
    """Whether work at `department_id` is among `departments` (None: every department)."""
    return departments is None or department_id in departments


Query = TypeVar("Query", bound=Select[Any])


def within(
    query: Query, department: QueryableAttribute[Any], departments: Collection[int] | None
) -> Query:
    """`query` kept to rows whose `department` is one of `departments` (None: all)."""
    return query if departments is None else query.where(department.in_(departments))


def department_tree(session: Session, department_id: int) -> list[int]:
    """A department and every department under it."""
    tree, frontier = [department_id], [department_id]
    while frontier:
        frontier = [
            d
            for d in session.scalars(
                select(Department.id).where(Department.parent_id.in_(frontier))
            )
            if d not in tree
        ]
        tree.extend(frontier)
    return tree


def item_gaps(item: ServiceItem, resources: dict[str, set[str]]) -> list[Gap]:
    gaps = [
        Gap(name, reason="missing")
        for name in GUIDE_ELEMENTS
        if getattr(item, name) is None or getattr(item, name) == ""
    ]
    if (
        item.promised_days is not None
        and item.statutory_days is not None
        and item.promised_days > item.statutory_days
    ):
        gaps.append(Gap("promised_days", reason="longer than the statutory time limit"))
    if not item.materials:
        gaps.append(Gap("materials", reason="no materials listed"))
    for material in item.materials:
        reason = material_problem(material, resources)
        if reason:
            gaps.append(Gap("material", material=material.name, reason=reason))
    return gaps


class SourceSpec(Protocol):
    """What names a material's source: a stored material, or one being edited."""

    source_kind: SourceKind | None
    licence_type: str
    resource_code: str
    fields: list[str]


def material_problem(material: SourceSpec, resources: dict[str, set[str]]) -> str:
    """Why a material's source is unusable (an English message id), or ""."""
    kind = material.source_kind
    if kind is None:
        return "no source"
    if kind is SourceKind.LICENCE and material.licence_type not in LICENCE_TYPES:
        return "unknown licence type"
    if kind is SourceKind.DERIVED and material.resource_code not in supply.DERIVATIONS:
        return "no rule derives a statement from this resource"
    if kind in QUERIED_SOURCES:
        fields = resources.get(material.resource_code)
        if fields is None:
            return "unknown data resource"
        if not material.fields or not set(material.fields) <= fields:
            return "fields not in the data resource"
    return ""
