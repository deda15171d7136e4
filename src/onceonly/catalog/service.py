"""Catalog rules: register, change and find data resources.

Other domains reach resources only through these functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog import search as _search
from onceonly.catalog.models import (
    OpenClass,
    Resource,
    ResourceField,
    ResourceVersion,
    Sensitivity,
    ShareClass,
)
from onceonly.catalog.schemas import ResourceIn, ResourceOut
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.identity import service as identity
from onceonly.identity.models import Department, Role, User

PRIVATE = (Sensitivity.SENSITIVE, Sensitivity.PERSONAL)
STEWARDS = (Role.data_steward, Role.department_admin)


def visible(resource: Resource, user: User | None) -> bool:
    """Staff see the whole sharing catalog (a government-internal directory); everyone
    else sees the resources open to the public, with their full field lists."""
    return user is not None or resource.open_class is not OpenClass.NOT_OPEN


def can_steward(user: User, department_id: int) -> bool:
    return user.acts_for(department_id, *STEWARDS)


def require_steward(user: User, department_id: int) -> None:
    """A data steward or administrator of the department (or a platform admin)."""
    identity.require_role(user, *STEWARDS, department_id=department_id)


def stewarded_departments(user: User) -> set[int] | None:
    """The departments whose resources the user may register, change, import and
    export; None means every department (platform admins)."""
    identity.require_role(user, *STEWARDS)
    return None if user.is_platform_admin else {user.department_id}


def check_rules(spec: ResourceIn) -> None:
    """The catalog's rules beyond shape; every broken rule is named at once."""
    errors: list[dict[str, str]] = []
    names = [f.name for f in spec.fields]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        errors.append({"field": "fields", "reason": f"duplicate field names: {duplicates}"})
    if spec.key_field not in names:
        errors.append({"field": "key_field", "reason": "must be one of the resource's fields"})
    if spec.share_class is ShareClass.NOT_SHARED and not spec.legal_basis.strip():
        errors.append(
            {"field": "legal_basis", "reason": "a resource that is not shared needs a legal basis"}
        )
    private = [f.name for f in spec.fields if f.sensitivity in PRIVATE]
    if spec.open_class is OpenClass.UNCONDITIONAL and private:
        errors.append(
            {
                "field": "open_class",
                "reason": f"unconditionally open data cannot hold sensitive or personal fields: "
                f"{private}",
            }
        )
    if errors:
        raise Invalid("The resource breaks the catalog's rules.", errors=errors)


def get_resource(session: Session, code: str) -> Resource:
    resource = session.scalar(select(Resource).where(Resource.code == code))
    if resource is None or resource.retired_at is not None:
        raise NotFound(f"No data resource with code {code!r}.")
    return resource


def list_resources(
    session: Session,
    *,
    department_id: int | None = None,
    share_class: ShareClass | None = None,
    open_class: OpenClass | None = None,
) -> Sequence[Resource]:
    query = select(Resource).where(Resource.retired_at.is_(None)).order_by(Resource.code)
    if department_id is not None:
        query = query.where(Resource.department_id == department_id)
    if share_class is not None:
        query = query.where(Resource.share_class == share_class)
    if open_class is not None:
        query = query.where(Resource.open_class == open_class)
    return session.scalars(query).all()


def register_resource(
    session: Session, spec: ResourceIn, department: Department, by: Actor
) -> Resource:
    """Register a new resource (version 1) for `department`."""
    check_rules(spec)
    if session.scalar(select(Resource.id).where(Resource.code == spec.code)) is not None:
        raise Conflict(f"A data resource with code {spec.code!r} already exists.")
    resource = Resource(department_id=department.id, **_columns(spec))
    resource.fields = _fields(spec)
    session.add(resource)
    session.flush()
    _snapshot(session, resource, by, "registered")
    _search.index_resource(session, resource)
    audit.record(
        session,
        audit.Event(
            "catalog.resource.registered", by, "resource", resource.code, detail={"version": 1}
        ),
    )
    return resource


def update_resource(session: Session, code: str, spec: ResourceIn, by: Actor) -> Resource:
    """Change a resource's metadata; a changed field list makes a new version."""
    resource = get_resource(session, code)
    if spec.code != code:
        raise Invalid("A resource's code cannot change.", errors=[{"field": "code"}])
    check_rules(spec)
    fields_changed = _field_tuples(resource.fields) != _field_tuples(_fields(spec))
    for name, value in _columns(spec).items():
        setattr(resource, name, value)
    if fields_changed:
        # Delete the old rows first: the (resource, name) pair is unique.
        resource.fields.clear()
        session.flush()
        resource.fields = _fields(spec)
        resource.version += 1
    resource.updated_at = utcnow()
    session.flush()
    if fields_changed:
        _snapshot(session, resource, by, "fields changed")
    _search.index_resource(session, resource)
    audit.record(
        session,
        audit.Event(
            "catalog.resource.updated",
            by,
            "resource",
            resource.code,
            detail={"version": resource.version, "fields_changed": fields_changed},
        ),
    )
    return resource


# Search lives in catalog.search; these names are the domain's public face for it.
SearchQuery = _search.SearchQuery
SearchResult = _search.SearchResult


def search(session: Session, query: SearchQuery) -> SearchResult:
    """Full-text search with department, share class, open class and tag facets."""
    return _search.search(session, query)


def reindex(session: Session) -> int:
    """Rebuild the search index from the resources (after a restore or bulk SQL)."""
    return _search.reindex(session)


def versions(session: Session, resource: Resource) -> Sequence[ResourceVersion]:
    return session.scalars(
        select(ResourceVersion)
        .where(ResourceVersion.resource_id == resource.id)
        .order_by(ResourceVersion.version.desc())
    ).all()


def to_out(resource: Resource) -> ResourceOut:
    return ResourceOut.model_validate(
        {
            **{c: getattr(resource, c) for c in ResourceOut.model_fields if hasattr(resource, c)},
            "department_code": resource.department.code,
            "department_name": resource.department.name,
        }
    )


def _columns(spec: ResourceIn) -> dict[str, Any]:
    return spec.model_dump(exclude={"fields"})


def _fields(spec: ResourceIn) -> list[ResourceField]:
    return [ResourceField(position=i, **f.model_dump()) for i, f in enumerate(spec.fields)]


def _field_tuples(fields: Sequence[ResourceField]) -> list[tuple[str, ...]]:
    return [
        (f.name, str(f.type), f.description, str(f.sensitivity), f.description_en,
         json.dumps(f.codes or {}, sort_keys=True, ensure_ascii=False))
        for f in fields
    ]  # fmt: skip


def _snapshot(session: Session, resource: Resource, by: Actor, note: str) -> None:
    snapshot = to_out(resource).model_dump(mode="json")
    session.add(
        ResourceVersion(
            resource_id=resource.id,
            version=resource.version,
            snapshot=snapshot,
            note=note,
            changed_by=by.label or by.ref(),
        )
    )
