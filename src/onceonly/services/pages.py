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
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Department, Role, User
from onceonly.licences.kinds import LICENCE_TYPES
from onceonly.services import service
from onceonly.services.models import ItemKind, SourceKind
from onceonly.web import nav
from onceonly.web.i18n import current_locale
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
DepartmentStaff = Annotated[
    User, Depends(staff_with(Role.department_admin, Role.data_steward, Role.reviewer))
]

nav.register("portal", "Services", "/services", order=10)
nav.register(
    "workbench",
    "Service guides",
    "/workbench/services",
    roles=[Role.department_admin, Role.data_steward, Role.reviewer],
    order=40,
)

KIND_LABELS = {
    ItemKind.LICENSING: "Administrative licensing",
    ItemKind.CONFIRMATION: "Administrative confirmation",
    ItemKind.PAYMENT: "Administrative payment",
    ItemKind.REGISTRATION: "Registration",
    ItemKind.PUBLIC_SERVICE: "Public service",
}
SOURCE_LABELS = {
    SourceKind.LICENCE: "Fetched: e-licence",
    SourceKind.EXCHANGE: "Fetched: department data",
    SourceKind.FORM: "Filled in online",
    SourceKind.UPLOAD: "Uploaded",
}
DEPTH_LABELS = {
    1: "Information online",
    2: "Forms to download",
    3: "Apply online",
    4: "Fully online",
}
# Reasons (service.Gap.reason) are English message ids too, translated in the .po.
ELEMENT_LABELS = {
    **service.GUIDE_ELEMENTS,
    "materials": "Materials",
    "material": "Material",
    "online_depth": "Online depth",
    "cross_region": "Anywhere in the province",
}


def _labels() -> dict[str, object]:
    chinese = current_locale.get() == "zh_CN"
    return {
        "kind_labels": KIND_LABELS,
        "source_labels": SOURCE_LABELS,
        "depth_labels": DEPTH_LABELS,
        "element_labels": ELEMENT_LABELS,
        "licence_names": {
            code: kind.name if chinese else kind.name_en for code, kind in LICENCE_TYPES.items()
        },
        "named": lambda thing: thing.name if chinese or not thing.name_en else thing.name_en,
    }


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
        **_labels(),
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
        **_labels(),
        "item": item,
        "comparison": comparison,
        "implementations": [] if comparison else service.implementations(session, item),
        "fetched": sum(
            1 for m in item.materials if m.source_kind in (SourceKind.LICENCE, SourceKind.EXCHANGE)
        ),
    }
    return render(request, "services/item.html", context)


@router.get("/services/bundles/{code}")
def bundle_page(request: Request, code: str, session: DbSession) -> Response:
    bundle = service.get_bundle(session, code)
    results = service.bundle_items(bundle)
    fetched, total = service.fetched_share(results)
    context = {
        **_labels(),
        "bundle": bundle,
        "results": results,
        "shared": service.shared_materials(bundle),
        "fetched": fetched,
        "total": total,
    }
    return render(request, "services/bundle.html", context)


@router.get("/workbench/services")
def incomplete(request: Request, session: DbSession, user: DepartmentStaff) -> Response:
    everyone = Role.platform_admin in user.roles
    entries = service.completeness(session, None if everyone else user.department_id)
    return render(request, "services/incomplete.html", {**_labels(), "entries": entries})
