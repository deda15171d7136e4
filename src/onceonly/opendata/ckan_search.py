"""CKAN shapes for datasets (packages, resources, organizations) and package_search."""

from __future__ import annotations

import re
import shlex
import uuid
from collections import Counter
from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from onceonly.core.errors import Invalid
from onceonly.identity.models import Department
from onceonly.opendata import service
from onceonly.opendata.models import Dataset

FORMATS = {"csv": "CSV", "json": "JSON", "parquet": "Parquet"}
DATASTORE_TYPES = {"TEXT": "text", "INTEGER": "int", "REAL": "numeric", "BOOLEAN": "bool"}
NAMESPACE = uuid.UUID("5b0f3c8e-4c1e-4c7a-9f5e-6f2d7a0e0d11")
SORT_KEYS = {"name", "title", "metadata_modified", "metadata_created", "score", "num_resources"}


def public_datasets(session: Session) -> Sequence[Dataset]:
    return service.list_datasets(session, public_only=True)


def resource_ids(code: str) -> dict[str, str]:
    """Stable ids for a dataset's CKAN resources, one per download format."""
    return {fmt: str(uuid.uuid5(NAMESPACE, f"{code}:{fmt}")) for fmt in FORMATS}


def organization_dict(department: Department, count: int) -> dict[str, Any]:
    return {
        "id": str(department.id),
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


def _iso(value: Any) -> str | None:
    return value.replace(tzinfo=None).isoformat() if value else None


def package_dict(dataset: Dataset, base: str) -> dict[str, Any]:
    resource = dataset.resource
    code = resource.code
    modified = _iso(dataset.last_updated or dataset.published_at)
    ids = resource_ids(code)
    resources = [
        {
            "id": ids[fmt],
            "package_id": str(dataset.id),
            "name": f"{resource.name} ({label})",
            "description": resource.description,
            "format": label,
            "mimetype": {"csv": "text/csv", "json": "application/json"}.get(
                fmt, "application/vnd.apache.parquet"
            ),
            "url": f"{base}api/opendata/datasets/{code}/download.{fmt}",
            "datastore_active": fmt == "csv",
            "last_modified": _iso(dataset.last_updated),
            "created": _iso(dataset.published_at),
            "position": position,
            "state": "active",
            "url_type": None,
        }
        for position, (fmt, label) in enumerate(FORMATS.items())
    ]
    department = resource.department
    return {
        "id": str(dataset.id),
        "name": code,
        "title": resource.name,
        "notes": resource.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": dataset.licence,
        "license_title": dataset.licence,
        "license_url": service.LICENCES.get(dataset.licence, ""),
        "maintainer": dataset.contact_name,
        "maintainer_email": dataset.contact_email,
        "author": department.name,
        "author_email": dataset.contact_email,
        "metadata_created": _iso(dataset.published_at),
        "metadata_modified": modified,
        "url": f"{base}opendata/datasets/{code}",
        "version": str(resource.version),
        "organization": organization_dict(department, 0),
        "owner_org": str(department.id),
        "groups": [
            {
                "name": dataset.theme.lower(),
                "title": service.THEME_TITLES.get(dataset.theme, dataset.theme),
            }
        ],
        "tags": [{"name": t, "display_name": t, "state": "active"} for t in resource.tags],
        "num_tags": len(resource.tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": [
            {"key": "update_frequency", "value": str(resource.update_frequency)},
            {"key": "row_count", "value": str(dataset.row_count)},
            {"key": "theme", "value": dataset.theme},
        ],
    }


def _facet_values(package: dict[str, Any], name: str) -> list[str]:
    if name == "organization":
        return [package["organization"]["name"]]
    if name == "groups":
        return [g["name"] for g in package["groups"]]
    if name == "tags":
        return [t["name"] for t in package["tags"]]
    if name == "res_format":
        return sorted({r["format"] for r in package["resources"]})
    if name == "license_id":
        return [package["license_id"]]
    if name == "name":
        return [package["name"]]
    raise Invalid(
        f"cannot filter or facet on {name!r}",
        errors=[{"field": "fq", "reason": f"unknown field {name}"}],
    )


def _parse_fq(fq: str) -> list[tuple[str, str, bool]]:
    """Solr-style `key:value` terms (quoted values allowed, `-key:value` excludes)."""
    terms: list[tuple[str, str, bool]] = []
    try:
        parts = shlex.split(fq)
    except ValueError:
        raise Invalid(
            "fq is not well formed", errors=[{"field": "fq", "reason": "unbalanced quotes"}]
        ) from None
    for part in parts:
        if part.upper() in ("AND", "+"):
            continue
        negate = part.startswith("-")
        key, sep, value = part.lstrip("+-").partition(":")
        if not sep:
            raise Invalid(
                f"fq term {part!r} is not key:value",
                errors=[{"field": "fq", "reason": "expected key:value"}],
            )
        terms.append((key, value.strip('"'), negate))
    return terms


def _matches_q(package: dict[str, Any], words: list[str]) -> int:
    text = " ".join(
        [
            package["name"],
            package["title"],
            package["notes"] or "",
            package["organization"]["title"],
        ]
        + [t["name"] for t in package["tags"]]
    ).lower()
    return sum(text.count(w) for w in words) if all(w in text for w in words) else 0


def _sort_value(key: str, item: tuple[int, dict[str, Any]]) -> Any:
    return item[0] if key == "score" else (item[1].get(key) or "")


def _sort(results: list[tuple[int, dict[str, Any]]], sort: str) -> list[dict[str, Any]]:
    keys = [p.split() for p in sort.split(",") if p.strip()] or [
        ["score", "desc"],
        ["metadata_modified", "desc"],
    ]
    for words in reversed(keys):
        key = words[0]
        if key not in SORT_KEYS:
            raise Invalid(
                f"cannot sort by {key!r}",
                errors=[{"field": "sort", "reason": f"unknown field {key}"}],
            )
        desc = len(words) > 1 and words[1].lower() == "desc"
        results.sort(key=partial(_sort_value, key), reverse=desc)
    return [p for _, p in results]


def search_packages(
    session: Session,
    base: str,
    *,
    q: str,
    fq: str,
    rows: int,
    start: int,
    sort: str,
    facet_fields: list[str],
    facet_limit: int = 50,
) -> dict[str, Any]:
    packages = [package_dict(d, base) for d in public_datasets(session)]
    words = [w.lower() for w in re.split(r"\s+", q.strip()) if w and q.strip() != "*:*"]
    filtered: list[tuple[int, dict[str, Any]]] = []
    terms = _parse_fq(fq)
    for package in packages:
        score = _matches_q(package, words) if words else 1
        if not score:
            continue
        if all((value in _facet_values(package, key)) != negate for key, value, negate in terms):
            filtered.append((score, package))
    ordered = _sort(filtered, sort)
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name in facet_fields:
        counts = Counter(v for p in ordered for v in _facet_values(p, name))
        top = dict(counts.most_common(facet_limit))
        facets[name] = top
        search_facets[name] = {
            "title": name,
            "items": [{"name": k, "display_name": k, "count": v} for k, v in top.items()],
        }
    return {
        "count": len(ordered),
        "sort": sort or "score desc, metadata_modified desc",
        "results": ordered[start : start + rows],
        "facets": facets,
        "search_facets": search_facets,
    }
