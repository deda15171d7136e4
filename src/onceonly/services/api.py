"""The service catalog's public JSON API under /api/v1/services: items, bundles, gaps.

Guides are public information (anyone may read how to apply), so these routes need no
sign-in; unknown codes answer 404 problem+json.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from onceonly.core.deps import DbSession
from onceonly.identity import service as identity
from onceonly.services import applications_api, service
from onceonly.services.models import LifeEvent, ServiceItem, ServiceMaterial

router = APIRouter(prefix="/api/v1/services", tags=["services"])


def item_summary(item: ServiceItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "basic_code": item.basic_code,
        "name": item.name,
        "name_en": item.name_en,
        "department": item.department.code,
        "region": item.region_code,
        "kind": item.kind.value,
        "subject": item.subject.value,
        "promised_days": item.promised_days,
        "max_trips": item.max_trips,
        "online_depth": item.online_depth,
        "cross_region": item.cross_region,
    }


def material_out(material: ServiceMaterial) -> dict[str, Any]:
    return {
        "key": material.key,
        "name": material.name,
        "required": material.required,
        "source": material.source_kind.value if material.source_kind else None,
        "licence_type": material.licence_type or None,
        "resource": material.resource_code or None,
        "fields": material.fields,
    }


def item_detail(item: ServiceItem, template: ServiceItem | None) -> dict[str, Any]:
    return {
        **item_summary(item),
        "legal_basis": item.legal_basis,
        "conditions": item.conditions,
        "fees": item.fees,
        "statutory_days": item.statutory_days,
        "places": item.places,
        "phone": item.phone,
        "result_licence": item.result_licence or None,
        "template": template.code if template else None,
        "materials": [material_out(m) for m in item.materials],
    }


def bundle_out(bundle: LifeEvent, *, detail: bool = False) -> dict[str, Any]:
    items = service.bundle_items(bundle)
    fetched, total = service.fetched_share(items)
    data: dict[str, Any] = {
        "code": bundle.code,
        "name": bundle.name,
        "name_en": bundle.name_en,
        "subject": bundle.subject.value,
        "promised_days": bundle.promised_days,
        "items": [item.code for item in items],
        "materials": total,
        "materials_fetched": fetched,
    }
    if detail:
        data["description"] = bundle.description
        data["items"] = [item_summary(item) for item in items]
        data["shared_materials"] = {
            key: [item.code for item in users]
            for key, users in service.shared_materials(bundle).items()
        }
    return data


@router.get("/items")
def items(
    session: DbSession,
    q: str = Query("", max_length=100),
    department: str = Query("", max_length=40),
    region: str = Query("", max_length=6),
) -> list[dict[str, Any]]:
    """Active items by code; `q` searches names, codes and keywords."""
    department_id = identity.department_by_code(session, department).id if department else None
    found = service.list_items(session, department_id=department_id, region_code=region, query=q)
    return [item_summary(item) for item in found]


@router.get("/items/{code}")
def item(code: str, session: DbSession) -> dict[str, Any]:
    """One item's guide; `differences` says how it departs from its province template."""
    found = service.get_item(session, code)
    comparison = service.compare(session, found)
    data = item_detail(found, comparison.template if comparison else None)
    if comparison:
        data["differences"] = {
            "elements": [
                {"element": d.element, "template": d.template, "implementation": d.implementation}
                for d in comparison.elements
            ],
            "materials_added": comparison.materials_added,
            "materials_removed": comparison.materials_removed,
            "materials_changed": comparison.materials_changed,
        }
    else:
        data["implementations"] = [i.code for i in service.implementations(session, found)]
    return data


@router.get("/bundles")
def bundles(session: DbSession) -> list[dict[str, Any]]:
    return [bundle_out(b) for b in service.list_bundles(session)]


@router.get("/bundles/{code}")
def bundle(code: str, session: DbSession) -> dict[str, Any]:
    return bundle_out(service.get_bundle(session, code), detail=True)


@router.get("/completeness")
def completeness(
    session: DbSession, department: str = Query("", max_length=40)
) -> list[dict[str, Any]]:
    """Items with missing guide elements or materials without a usable source."""
    department_id = identity.department_by_code(session, department).id if department else None
    return [
        {
            **item_summary(entry.item),
            "gaps": [
                {"element": g.element, "material": g.material or None, "reason": g.reason}
                for g in entry.gaps
            ],
        }
        for entry in service.completeness(session, department_id)
    ]


# The applications' routes (applicant and reviewer) live in their own module.
router.include_router(applications_api.router)
