"""Catalog pages: search with facets, and a resource's detail (fields, classes, versions).

Visitors see what is open to the public; staff see the whole sharing catalog."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from onceonly.catalog import search as catalog_search
from onceonly.catalog import service
from onceonly.catalog.api import visible
from onceonly.catalog.models import OpenClass, ShareClass
from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.errors import Invalid, NotFound
from onceonly.identity.deps import OptionalUser
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
nav.register("portal", "Data catalog", "/catalog", order=55)
nav.register("workbench", "Data catalog", "/catalog", order=10)
PER_PAGE = 20


def class_labels() -> dict[str, str]:
    return {
        "unconditional": _("unconditionally"),
        "conditional": _("on conditions"),
        "not_shared": _("not shared"),
        "not_open": _("not open"),
    }


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
    q: str = "",
    department: str = "",
    share_class: str = "",
    open_class: str = "",
    tag: str = "",
    page: int = 1,
) -> Response:
    search = catalog_search.SearchQuery(
        q=q[:200], department=department or None,
        share_class=_enum(ShareClass, share_class),  # type: ignore[arg-type]
        open_class=_enum(OpenClass, open_class),  # type: ignore[arg-type]
        tags=(tag,) if tag else (), page=page, per_page=PER_PAGE, public_only=user is None,
    )  # fmt: skip
    result = catalog_search.search(session, search)
    query = {"q": q, "department": department, "share_class": share_class,
             "open_class": open_class, "tag": tag}  # fmt: skip

    def link(**change: object) -> str:
        merged = {k: v for k, v in (query | change).items() if v}
        return "/catalog?" + urlencode(merged)

    context = {
        "result": result,
        "query": query,
        "link": link,
        "labels": class_labels(),
        "page": result.page,
        "pages": result.pages,
        "staff": user is not None,
    }
    return render(request, "catalog/browse.html", context)


@router.get("/catalog/{code}")
def detail(request: Request, code: str, session: DbSession, user: OptionalUser) -> Response:
    resource = service.get_resource(session, code)
    if not visible(resource, user):
        raise NotFound(_("No data resource with code %(code)s.", code=code))
    context = {
        "r": resource,
        "labels": class_labels(),
        "versions": service.versions(session, resource),
        "staff": user is not None,
    }
    return render(request, "catalog/detail.html", context)
