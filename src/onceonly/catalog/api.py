"""The catalog's JSON API: search with facets, a resource with its versions, and
registering or changing a resource (its department's data stewards and admins).

Anonymous callers and citizens see the resources open to the public; signed-in staff
see the whole catalog, as the sharing list is a government-internal directory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from onceonly.catalog import search as catalog_search
from onceonly.catalog import service
from onceonly.catalog.models import OpenClass, Resource, ShareClass
from onceonly.catalog.schemas import ResourceIn, ResourceOut
from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.errors import NotFound
from onceonly.identity import service as identity
from onceonly.identity.deps import OptionalUser, staff_with
from onceonly.identity.models import Role, User

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"], dependencies=[Depends(csrf_protect)])
STEWARDS = (Role.data_steward, Role.department_admin)
Steward = Annotated[User, Depends(staff_with(*STEWARDS))]


class FacetsOut(BaseModel):
    departments: dict[str, int]
    share_classes: dict[str, int]
    open_classes: dict[str, int]
    tags: dict[str, int]


class SearchOut(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[ResourceOut]
    facets: FacetsOut


class VersionOut(BaseModel):
    version: int
    note: str
    changed_by: str
    changed_at: datetime


class ResourceDetailOut(ResourceOut):
    versions: list[VersionOut]


def visible(resource: Resource, user: User | None) -> bool:
    """Staff see every resource; everyone else what is open to the public."""
    return user is not None or resource.open_class is not OpenClass.NOT_OPEN


@router.get("/resources", response_model=SearchOut)
def search(
    session: DbSession,
    user: OptionalUser,
    q: str = Query(default="", max_length=200),
    department: str | None = None,
    share_class: ShareClass | None = None,
    open_class: OpenClass | None = None,
    tag: str | None = None,
    page: int = Query(default=1, ge=1),
    per_page: int = Query(default=20, ge=1, le=100),
) -> SearchOut:
    """Full-text search (Chinese by character pairs, words and prefixes) in code, name,
    description, tags, department and fields; best matches first; facet counts."""
    query = catalog_search.SearchQuery(
        q=q, department=department, share_class=share_class, open_class=open_class,
        tags=(tag,) if tag else (), page=page, per_page=per_page, public_only=user is None,
    )  # fmt: skip
    result = catalog_search.search(session, query)

    def counts(name: str) -> dict[str, int]:
        return {f.value: f.count for f in result.facets.get(name, [])}

    return SearchOut(
        total=result.total,
        page=page,
        per_page=per_page,
        items=[service.to_out(r) for r in result.items],
        facets=FacetsOut(
            departments=counts("department"),
            share_classes=counts("share_class"),
            open_classes=counts("open_class"),
            tags=counts("tags"),
        ),
    )


@router.get("/resources/{code}", response_model=ResourceDetailOut)
def show(code: str, session: DbSession, user: OptionalUser) -> ResourceDetailOut:
    resource = service.get_resource(session, code)
    if not visible(resource, user):
        raise NotFound(f"No data resource with code {code!r}.")
    versions = [
        VersionOut(version=v.version, note=v.note, changed_by=v.changed_by, changed_at=v.changed_at)
        for v in service.versions(session, resource)
    ]
    return ResourceDetailOut(**service.to_out(resource).model_dump(), versions=versions)


@router.post("/resources", response_model=ResourceOut, status_code=201)
def register(
    spec: ResourceIn, session: DbSession, user: Steward, department: str | None = None
) -> ResourceOut:
    """Register a resource for your department (platform admins name `department`)."""
    owner = (
        identity.department_by_code(session, department)
        if department and Role.platform_admin in user.roles
        else user.department
    )
    identity.require_role(user, *STEWARDS, department_id=owner.id)
    resource = service.register_resource(session, spec, owner, identity.actor_for_user(user))
    return service.to_out(resource)


@router.put("/resources/{code}", response_model=ResourceOut)
def update(code: str, spec: ResourceIn, session: DbSession, user: Steward) -> ResourceOut:
    """Change a resource of your department; a changed field list makes a new version."""
    resource = service.get_resource(session, code)
    identity.require_role(user, *STEWARDS, department_id=resource.department_id)
    changed = service.update_resource(session, code, spec, identity.actor_for_user(user))
    return service.to_out(changed)
