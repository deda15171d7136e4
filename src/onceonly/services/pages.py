"""Service catalog pages: browse and search items, an item's guide, a life-event bundle,
and the department's incomplete guides in the workbench."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onceonly.core.deps import DbSession, csrf_protect
from onceonly.identity import service as identity
from onceonly.identity.deps import DepartmentStaff
from onceonly.identity.models import DEPARTMENT_STAFF, Department
from onceonly.services.applications import portal
from onceonly.services.bundles import pages as bundles_pages
from onceonly.services.bundles import workbench as bundles_workbench
from onceonly.services.casework import casework
from onceonly.services.disputes import pages as disputes_pages
from onceonly.services.items import guide_pages, guides, service
from onceonly.services.items.labels import labels
from onceonly.services.materials import pages as materials_pages
from onceonly.services.models import Reach, reach_of
from onceonly.services.payments import pages as payments_pages
from onceonly.services.payments import service as payments
from onceonly.services.visits import pages as visits_pages
from onceonly.services.visits import service as visits
from onceonly.web import nav
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

nav.register("portal", "Services", "/services", order=10)
nav.register("workbench", "Service guides", "/workbench/services", roles=DEPARTMENT_STAFF, order=40)


def _departments(session: Session) -> list[tuple[Department, int]]:
    """Departments that have items, with how many, in the province's order."""
    counts = Counter(item.department_id for item in service.list_items(session))
    return [(d, counts[d.id]) for d in identity.list_departments(session) if counts[d.id]]


@router.get("/services")
def browse(
    request: Request,
    session: DbSession,
    q: Annotated[str, Query(max_length=100)] = "",
    department: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    chosen = identity.department_by_code(session, department) if department else None
    searching = bool(q.strip() or chosen)
    results = (
        service.list_items(session, department_id=chosen.id if chosen else None, query=q)
        if searching
        else []
    )
    context = {
        **labels(),
        "q": q,
        "chosen": chosen,
        "searching": searching,
        "results": results,
        "departments": _departments(session),
        "bundles": service.list_bundles(session),
    }
    return render(request, "services/browse.html", context)


@router.get("/services/items/{code}")
def item_page(request: Request, code: str, session: DbSession) -> Response:
    item = service.get_item(session, code)
    comparison = service.compare(session, item)
    context = {
        **labels(),
        "item": item,
        "comparison": comparison,
        "implementations": [] if comparison else service.implementations(session, item),
        "fee": payments.fee_for(session, item),
        "visit": visits.setting_for(session, item),
        "yuan": payments.yuan,
        "fetched": sum(1 for m in item.materials if reach_of(m.source_kind) is not Reach.ASKED),
    }
    return render(request, "services/item.html", context)


@router.get("/services/bundles/{code}")
def bundle_page(request: Request, code: str, session: DbSession) -> Response:
    bundle = service.get_bundle(session, code)
    results = service.bundle_items(bundle)
    fetched, total = service.fetched_share(results)
    context = {
        **labels(),
        "bundle": bundle,
        "results": results,
        "shared": service.shared_materials(bundle),
        "fetched": fetched,
        "total": total,
    }
    return render(request, "services/bundle.html", context)


@router.get("/workbench/services")
def incomplete(request: Request, session: DbSession, user: DepartmentStaff) -> Response:
    """The department's guides, incomplete ones first, with an edit link where the user
    keeps them."""
    everyone = user.is_platform_admin
    entries = service.completeness(session, None if everyone else user.department_id)
    scope = None if everyone else service.department_tree(session, user.department_id)
    items = [
        item for item in service.list_items(session) if scope is None or item.department_id in scope
    ]
    # Everything listed is in the user's department tree: editors may edit all of it.
    keeps = everyone or bool(user.roles.intersection(guides.EDITOR_ROLES))
    editable = {item.code for item in items} if keeps else set()
    context = {**labels(), "entries": entries, "all_items": items, "editable": editable}
    return render(request, "services/incomplete.html", context)


# The applicant's and the reviewer's pages live in their own modules, under this
# router's CSRF guard.
router.include_router(portal.router)
router.include_router(casework.router)
router.include_router(guide_pages.router)
router.include_router(materials_pages.router)
router.include_router(disputes_pages.router)
router.include_router(bundles_pages.router)
router.include_router(bundles_workbench.router)
router.include_router(visits_pages.router)
router.include_router(payments_pages.router)
