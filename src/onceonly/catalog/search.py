"""Catalog search: words in a resource's code, name, description, tags or field
descriptions, narrowed by facets (department, share class, open class, tag), with the
count of each facet value among the matches.

Chinese has no spaces, so each whitespace-separated term is matched as a substring
(`户籍` finds 户籍人口); every term must match. The catalog of a province holds
thousands of resources, not millions, so matching is one SQL query over the live
resources and the facets are counted over its result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import String, cast, exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from onceonly.catalog.models import OpenClass, Resource, ResourceField, ShareClass
from onceonly.identity.models import Department


@dataclass
class Facets:
    departments: Counter[str] = field(default_factory=Counter)
    share_classes: Counter[str] = field(default_factory=Counter)
    open_classes: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)


@dataclass
class SearchResult:
    total: int
    items: list[Resource]
    facets: Facets
    department_names: dict[str, str]


def _term(term: str) -> ColumnElement[bool]:
    pattern = f"%{term.lower()}%"
    in_fields = exists().where(
        ResourceField.resource_id == Resource.id,
        or_(ResourceField.name.ilike(pattern), ResourceField.description.ilike(pattern)),
    )
    return or_(
        Resource.code.ilike(pattern),
        Resource.name.ilike(pattern),
        Resource.description.ilike(pattern),
        cast(Resource.tags, String).ilike(pattern),
        in_fields,
    )


def search(
    session: Session,
    q: str = "",
    *,
    department: str | None = None,
    share_class: ShareClass | None = None,
    open_class: OpenClass | None = None,
    tag: str | None = None,
    only_open: bool = False,
    page: int = 1,
    per_page: int = 20,
) -> SearchResult:
    """One page of matches (by code) and the facet counts over all matches.
    `only_open` limits to resources open to the public (what anonymous visitors see)."""
    query = select(Resource).join(Department).where(Resource.retired_at.is_(None))
    for term in q.split()[:8]:
        query = query.where(_term(term))
    if department:
        query = query.where(Department.code == department)
    if share_class is not None:
        query = query.where(Resource.share_class == share_class)
    if open_class is not None:
        query = query.where(Resource.open_class == open_class)
    if only_open:
        query = query.where(Resource.open_class != OpenClass.NOT_OPEN)
    matches = [r for r in session.scalars(query.order_by(Resource.code)).unique()]
    if tag:  # JSON lists differ between the backends; the match set is small
        matches = [r for r in matches if tag in r.tags]
    facets = Facets()
    names: dict[str, str] = {}
    for resource in matches:
        facets.departments[resource.department.code] += 1
        names[resource.department.code] = resource.department.name
        facets.share_classes[resource.share_class.value] += 1
        facets.open_classes[resource.open_class.value] += 1
        facets.tags.update(resource.tags)
    start = (max(page, 1) - 1) * per_page
    return SearchResult(len(matches), matches[start : start + per_page], facets, names)
