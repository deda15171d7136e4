"""Catalog pages: search with facets, and a resource's detail (fields, classes, versions).

Visitors see what is open to the public; staff see the whole sharing catalog. The
workbench pages (register, edit, import, needs) are in `catalog.workbench`."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from onceonly.catalog import service, workbench
from onceonly.catalog.api import Paging
from onceonly.catalog.labels import all_labels
from onceonly.catalog.models import OpenClass, ShareClass
from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.errors import Invalid, NotFound
from onceonly.identity.deps import OptionalUser
from onceonly.identity.models import Role
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
router.include_router(workbench.router)
nav.register("portal", "Data catalog", "/catalog", order=55)
nav.register("workbench", "Data catalog", "/catalog", order=10)


def _enum(kind: type[ShareClass] | type[OpenClass], value: str) -> ShareClass | OpenClass | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise Invalid(_("Unknown class: %(value)s", value=value), field="class") from None


@router.get("/catalog")
def browse(
    request: Request,
    session: DbSession,
    user: OptionalUser,
    paging: Paging,
    q: str = "",
    department: str = "",
    share_class: str = "",
    open_class: str = "",
    tag: list[str] = Query(default=[]),
) -> Response:
    tags = tuple(dict.fromkeys(t for t in tag if t))[:5]
    result = service.search(
        session,
        service.SearchQuery(
            q=q[:200], department=department or None,
            share_class=_enum(ShareClass, share_class),  # type: ignore[arg-type]
            open_class=_enum(OpenClass, open_class),  # type: ignore[arg-type]
            tags=tags, only_open=user is None, limit=paging.limit, offset=paging.offset,
        ),
    )  # fmt: skip
    query = {"q": q, "department": department, "share_class": share_class,
             "open_class": open_class, "tag": list(tags)}  # fmt: skip

    def link(**change: object) -> str:
        merged = {k: v for k, v in (query | change).items() if v}
        return "/catalog?" + urlencode(merged, doseq=True)

    context = {
        "result": result,
        "query": query,
        "link": link,
        "labels": all_labels(),
        "steward": user is not None and bool(user.roles & {*service.STEWARDS, Role.platform_admin}),
        "staff": user is not None,
    }
    return render(request, "catalog/browse.html", context)


@router.get("/catalog/{code}")
def detail(request: Request, code: str, session: DbSession, user: OptionalUser) -> Response:
    resource = service.get_resource(session, code)
    if not service.visible(resource, user):
        raise NotFound(_("No data resource with code %(code)s.", code=code))
    context = {
        "r": resource,
        "labels": all_labels(),
        "versions": service.versions(session, resource),
        "staff": user is not None,
        "may_edit": user is not None and service.can_steward(user, resource.department_id),
    }
    return render(request, "catalog/detail.html", context)
