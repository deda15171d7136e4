"""The service catalog's JSON API under /api/v1/services: items, bundles, gaps, and the
department's guide editing.

Guides are public information (anyone may read how to apply), so reading needs no
sign-in; changing a guide needs a staff session of the item's department (a JSON body,
which a cross-site form cannot send, so no CSRF token). Unknown codes answer 404
problem+json.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from onceonly.core.deps import DbSession
from onceonly.identity import service as identity
from onceonly.identity.deps import staff_with
from onceonly.identity.models import User
from onceonly.services import schemas
from onceonly.services.applications import applications_api
from onceonly.services.bundles import api as bundles_api
from onceonly.services.disputes import api as disputes_api
from onceonly.services.items import guides, service
from onceonly.services.materials import api as materials_api
from onceonly.services.models import LifeEvent, ServiceItem, ServiceMaterial
from onceonly.services.payments import api as payments_api
from onceonly.services.visits import api as visits_api

catalog = APIRouter(prefix="/api/v1/services", tags=["services"])
Editor = Annotated[User, Depends(staff_with(*guides.EDITOR_ROLES))]


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
        "visit_for": item.visit_for.value if item.visit_for else None,
        "online_depth": item.online_depth,
        "cross_region": item.cross_region,
    }


def gap_out(gap: service.Gap) -> dict[str, Any]:
    return {"element": gap.element, "material": gap.material or None, "reason": gap.reason}


def material_out(material: ServiceMaterial) -> dict[str, Any]:
    return {
        "key": material.key,
        "name": material.name,
        "name_en": material.name_en,
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
        data["description_en"] = bundle.description_en
        data["items"] = [item_summary(item) for item in items]
        data["shared_materials"] = {
            key: [item.code for item in users]
            for key, users in service.shared_materials(bundle).items()
        }
    return data


@catalog.get("/items", response_model=list[schemas.ItemSummaryOut])
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


@catalog.get("/items/{code}", response_model=schemas.ItemOut, response_model_exclude_unset=True)
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


@catalog.get("/bundles", response_model=list[schemas.BundleOut])
def bundles(session: DbSession) -> list[dict[str, Any]]:
    return [bundle_out(b) for b in service.list_bundles(session)]


@catalog.get("/bundles/{code}", response_model=schemas.BundleDetailOut)
def bundle(code: str, session: DbSession) -> dict[str, Any]:
    return bundle_out(service.get_bundle(session, code), detail=True)


@catalog.get("/completeness", response_model=list[schemas.ItemGapsOut])
def completeness(
    session: DbSession, department: str = Query("", max_length=40)
) -> list[dict[str, Any]]:
    """Items with missing guide elements or materials without a usable source."""
    department_id = identity.department_by_code(session, department).id if department else None
    return [
        {
            **item_summary(entry.item),
            "gaps": [gap_out(g) for g in entry.gaps],
        }
        for entry in service.completeness(session, department_id)
    ]


@catalog.put("/items/{code}/guide", response_model=schemas.GuideUpdateOut)
def update_guide(
    code: str, body: guides.GuideIn, session: DbSession, user: Editor
) -> dict[str, Any]:
    """Replace the item's guide elements and materials (send the whole guide: what GET
    /items/{code}/guide returns). Answers with the changes and the gaps that remain."""
    item = service.get_item(session, code)
    guides.require_editor(session, user, item)
    changed = guides.update(session, item, body, identity.actor_for_user(user))
    return {
        "changed": changed,
        "gaps": [gap_out(g) for g in service.item_gaps(item, service.resource_fields(session))],
    }


@catalog.get("/items/{code}/guide", response_model=guides.GuideIn)
def guide(code: str, session: DbSession) -> dict[str, Any]:
    """The item's guide in the shape PUT takes."""
    return guides.guide_of(service.get_item(session, code)).model_dump(mode="json")


# The applications' routes (applicant and reviewer) live in their own module.
catalog.include_router(applications_api.router)
catalog.include_router(materials_api.router)
catalog.include_router(disputes_api.router)
catalog.include_router(bundles_api.router)

# What the app mounts: the catalog's API, then the sub-packages that answer under a
# prefix of their own.
router = APIRouter()
router.include_router(catalog)
router.include_router(visits_api.router)
router.include_router(payments_api.router)
