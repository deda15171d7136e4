"""Packages written through the CKAN API in CKAN's shapes, and how the read actions see
them beside the catalog's published datasets (`attach_written`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onceonly.core.errors import NotFound
from onceonly.identity.models import Department
from onceonly.opendata import service
from onceonly.opendata.ckan.models import CkanPackage, CkanResource
from onceonly.opendata.ckan.shapes import (
    LICENCE_TITLES,
    Published,
    group_dict,
    iso,
    organization_dict,
    organization_id,
    tag_id,
)

# Package fields kept in `CkanPackage.meta` as the client sent them.
META_FIELDS = ("author", "author_email", "maintainer", "maintainer_email", "url", "version")
GROUP_KEYS = ("id", "name", "title", "display_name")


def upload_path(data_dir: Path, resource: CkanResource) -> Path:
    return data_dir / "ckan-uploads" / resource.id / resource.upload_name


def download_url(base: str, resource: CkanResource) -> str:
    package, name = resource.package_id, resource.upload_name
    return f"{base}dataset/{package}/resource/{resource.id}/download/{name}"


def resource_dict(resource: CkanResource, base: str) -> dict[str, Any]:
    return {
        **resource.meta,
        "id": resource.id,
        "package_id": resource.package_id,
        "name": resource.name,
        "description": resource.meta.get("description", ""),
        "format": resource.format,
        "mimetype": resource.meta.get("mimetype"),
        "url": download_url(base, resource) if resource.upload_name else resource.url,
        "url_type": "upload" if resource.upload_name else None,
        "size": resource.size,
        "hash": resource.hash,
        "datastore_active": resource.datastore_active,
        "created": iso(resource.created_at),
        "metadata_modified": iso(resource.modified_at),
        "last_modified": iso(resource.modified_at) if resource.upload_name else None,
        "position": resource.position,
        "state": "active",
    }


def package_dict(package: CkanPackage, base: str, count: int) -> dict[str, Any]:
    meta = package.meta
    tags = [t for t in meta.get("tags", []) if t]
    department = package.department
    return {
        **{name: meta.get(name, "") for name in META_FIELDS},
        "id": package.id,
        "name": package.name,
        "title": package.title or package.name,
        "notes": package.notes,
        "type": "dataset",
        "state": package.state,
        "private": False,
        "isopen": package.license_id in LICENCE_TITLES,
        "license_id": package.license_id,
        "license_title": LICENCE_TITLES.get(package.license_id, package.license_id),
        "license_url": service.LICENCES.get(package.license_id, ""),
        "metadata_created": iso(package.created_at),
        "metadata_modified": iso(package.modified_at),
        "creator_user_id": package.created_by,
        "organization": organization_dict(department, count),
        "owner_org": organization_id(department),
        "groups": [
            {k: v for k, v in group_dict(g, 0).items() if k in GROUP_KEYS}
            for g in meta.get("groups", [])
        ],
        "tags": [{"id": tag_id(t), "name": t, "display_name": t, "state": "active"} for t in tags],
        "num_tags": len(tags),
        "resources": [resource_dict(r, base) for r in package.resources],
        "num_resources": len(package.resources),
        "extras": meta.get("extras", []),
    }


def active_packages(session: Session) -> Sequence[CkanPackage]:
    return session.scalars(
        select(CkanPackage).where(CkanPackage.state == "active").order_by(CkanPackage.name)
    ).all()


def attach_written(published: Published, session: Session, base: str) -> None:
    """Add the active written packages to what the read actions see."""
    written = active_packages(session)
    for package in written:
        published.counts[package.department.code] += 1
        published.written_orgs[package.department.code] = package.department
    published.written = [
        package_dict(p, base, published.counts[p.department.code]) for p in written
    ]


def find_written(session: Session, wanted: str) -> CkanPackage | None:
    """A written package by UUID or name, in any state."""
    return session.scalar(
        select(CkanPackage).where(or_(CkanPackage.id == wanted, CkanPackage.name == wanted))
    )


def get_resource(session: Session, resource_id: str) -> CkanResource:
    resource = session.get(CkanResource, resource_id)
    if resource is None or resource.package.state != "active":
        raise NotFound("Resource was not found.")
    return resource


def find_department(session: Session, wanted: str) -> Department | None:
    """A department by code, organization UUID or old numeric id."""
    for department in session.scalars(select(Department)):
        if wanted in (department.code, organization_id(department), str(department.id)):
            return department
    return None
