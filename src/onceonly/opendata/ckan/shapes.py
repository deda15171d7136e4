"""CKAN's shapes for our datasets: packages, resources, organizations, groups, tags.

Ids are UUIDs, as CKAN's are, derived (UUIDv5) from our own keys so they never change:
a package from the dataset's id, an organization from the department's, a group from
the theme, a tag from its name. The old small integer ids (and codes) still find the
same object (`find_package`, `find_organization`).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from onceonly.core.errors import NotFound
from onceonly.identity.models import Department
from onceonly.opendata import service
from onceonly.opendata.models import Dataset
from onceonly.opendata.publishing.store import generation_dir

FORMATS = {"csv": "CSV", "json": "JSON", "parquet": "Parquet"}
MIMETYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}
DATASTORE_TYPES = {"TEXT": "text", "INTEGER": "int", "REAL": "numeric", "BOOLEAN": "bool"}
NAMESPACE = uuid.UUID("5b0f3c8e-4c1e-4c7a-9f5e-6f2d7a0e0d11")
# Licences in CKAN's license_list form; all three are open (opendefinition.org).
LICENCE_TITLES = {
    "CC-BY-4.0": "Creative Commons Attribution 4.0",
    "CC0-1.0": "Creative Commons CCZero",
    "ODC-BY-1.0": "Open Data Commons Attribution License",
}


def _id(kind: str, key: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def package_id(dataset: Dataset) -> str:
    return _id("package", dataset.id)


def organization_id(department: Department) -> str:
    return _id("organization", department.id)


def group_id(theme: str) -> str:
    return _id("group", theme.lower())


def tag_id(name: str) -> str:
    return _id("tag", name)


def resource_ids(code: str) -> dict[str, str]:
    """Stable ids for a dataset's CKAN resources, one per download format."""
    return {fmt: str(uuid.uuid5(NAMESPACE, f"{code}:{fmt}")) for fmt in FORMATS}


@dataclass
class Published:
    """The public datasets, with what several actions need of them, read once."""

    datasets: Sequence[Dataset]
    data_dir: Path | None = None
    counts: Counter[str] = field(default_factory=Counter)
    # Packages written through the CKAN API, in CKAN's shape (`stored.attach_written`).
    written: list[dict[str, Any]] = field(default_factory=list)
    written_orgs: dict[str, Department] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = Counter(d.resource.department.code for d in self.datasets)


def public(session: Session, data_dir: Path | None = None) -> Published:
    return Published(service.list_datasets(session, public_only=True), data_dir)


def find_package(published: Published, wanted: str) -> Dataset:
    for dataset in published.datasets:
        if wanted in (dataset.resource.code, package_id(dataset), str(dataset.id)):
            return dataset
    raise NotFound("Not found")


def find_organization(published: Published, wanted: str) -> list[Dataset]:
    found = [
        d
        for d in published.datasets
        if wanted
        in (
            d.resource.department.code,
            organization_id(d.resource.department),
            str(d.resource.department_id),
        )
    ]
    if not found:
        raise NotFound("Organization was not found.")
    return found


def organization_dict(department: Department, count: int) -> dict[str, Any]:
    return {
        "id": organization_id(department),
        "name": department.code,
        "title": department.name,
        "display_name": department.name,
        "description": department.name_en,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "package_count": count,
    }


def group_dict(theme: str, count: int) -> dict[str, Any]:
    title = service.THEME_TITLES.get(theme.upper(), theme)
    return {
        "id": group_id(theme),
        "name": theme.lower(),
        "title": title,
        "display_name": title,
        "description": f"DCAT-AP data theme {theme.upper()}",
        "type": "group",
        "is_organization": False,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "package_count": count,
    }


def iso(value: Any) -> str | None:
    return value.replace(tzinfo=None).isoformat() if value else None


def _files(dataset: Dataset, data_dir: Path | None) -> dict[str, Any]:
    """Size and hash of each download, written with the snapshot (`files.json`)."""
    if data_dir is None or not dataset.generation:
        return {}
    path = generation_dir(data_dir, dataset.resource.code, dataset.generation) / "files.json"
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


def package_dict(
    dataset: Dataset, base: str, *, counts: Counter[str] | None = None, data_dir: Path | None = None
) -> dict[str, Any]:
    resource = dataset.resource
    code = resource.code
    modified = iso(dataset.last_updated or dataset.published_at)
    ids = resource_ids(code)
    files = _files(dataset, data_dir)
    resources = [
        {
            "id": ids[fmt],
            "package_id": package_id(dataset),
            "name": f"{resource.name} ({label})",
            "description": resource.description,
            "format": label,
            "mimetype": MIMETYPES[fmt],
            "url": f"{base}api/opendata/datasets/{code}/download.{fmt}",
            "datastore_active": fmt == "csv",
            "size": files.get(fmt, {}).get("size"),
            "hash": files.get(fmt, {}).get("sha256", ""),
            "last_modified": iso(dataset.last_updated),
            "metadata_modified": modified,
            "created": iso(dataset.published_at),
            "position": position,
            "state": "active",
            "url_type": None,
        }
        for position, (fmt, label) in enumerate(FORMATS.items())
    ]
    department = resource.department
    return {
        "id": package_id(dataset),
        "name": code,
        "title": resource.name,
        "notes": resource.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "isopen": dataset.licence in LICENCE_TITLES,
        "license_id": dataset.licence,
        "license_title": LICENCE_TITLES.get(dataset.licence, dataset.licence),
        "license_url": service.LICENCES.get(dataset.licence, ""),
        "maintainer": dataset.contact_name,
        "maintainer_email": dataset.contact_email,
        "author": department.name,
        "author_email": dataset.contact_email,
        "metadata_created": iso(dataset.published_at),
        "metadata_modified": modified,
        "url": f"{base}opendata/datasets/{code}",
        "version": str(resource.version),
        "organization": organization_dict(department, (counts or Counter())[department.code]),
        "owner_org": organization_id(department),
        "groups": [
            {
                "id": group_id(dataset.theme),
                "name": dataset.theme.lower(),
                "title": service.THEME_TITLES.get(dataset.theme, dataset.theme),
                "display_name": service.THEME_TITLES.get(dataset.theme, dataset.theme),
            }
        ],
        "tags": [
            {"id": tag_id(t), "name": t, "display_name": t, "state": "active"}
            for t in resource.tags
        ],
        "num_tags": len(resource.tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": [
            {"key": "update_frequency", "value": str(resource.update_frequency)},
            {"key": "row_count", "value": str(dataset.row_count)},
            {"key": "theme", "value": dataset.theme},
            {"key": "legacy_id", "value": str(dataset.id)},
        ],
    }


def packages(published: Published, base: str) -> list[dict[str, Any]]:
    return [
        package_dict(d, base, counts=published.counts, data_dir=published.data_dir)
        for d in published.datasets
    ] + published.written
