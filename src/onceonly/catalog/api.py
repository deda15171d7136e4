"""The catalog's JSON API: search with facets, a resource with its versions, registering
or changing a resource, bulk import and export of a sharing list, and data needs.

Anonymous callers and citizens see the resources open to the public; signed-in staff
see the whole catalog, as the sharing list is a government-internal directory. Changes
are for the provider department's data stewards and administrators. Unsafe methods
carry the session's CSRF token in `X-CSRF-Token`, as the pages' HTMX does.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from onceonly.catalog import needs, service
from onceonly.catalog.models import NeedStatus, OpenClass, ShareClass
from onceonly.catalog.schemas import (
    FacetValueOut,
    ImportReportOut,
    NeedAnswerIn,
    NeedIn,
    NeedOut,
    ResourceDetailOut,
    ResourceIn,
    ResourceOut,
    SearchOut,
    VersionOut,
)
from onceonly.catalog.transfer import exporting, importing, reading
from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.downloads import CSV_MEDIA_TYPE
from onceonly.core.errors import Forbidden, Invalid, NotFound
from onceonly.core.pagination import Page, PageParams, fetch_page, page_params
from onceonly.core.params import Id
from onceonly.identity import service as identity
from onceonly.identity.deps import CurrentUser, OptionalUser, staff_with
from onceonly.identity.models import Role, User

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"], dependencies=[Depends(csrf_protect)])
Steward = Annotated[User, Depends(staff_with(*service.STEWARDS))]
Paging = Annotated[PageParams, Depends(page_params(default=20, most=100))]
MAX_IMPORT_BYTES = 20 * 1024 * 1024
FORMAT_TYPES = {"csv": CSV_MEDIA_TYPE, "json": "application/json"}


@router.get("/resources", response_model=SearchOut)
def search(
    request: Request,
    session: DbSession,
    user: OptionalUser,
    paging: Paging,
    q: str = Query(default="", max_length=200),
    department: str | None = Query(default=None, description="department code"),
    share_class: ShareClass | None = None,
    open_class: OpenClass | None = None,
    tag: Annotated[list[str], Query(description="repeat for several; all must match")] = [],  # noqa: B006 — FastAPI reads the default, never mutates it
) -> SearchOut:
    """Words (all must match; Chinese without spaces) in code, name, description, tags,
    department or fields, with facet counts; best matches first."""
    result = service.search(
        session,
        service.SearchQuery(
            q=q, department=department, share_class=share_class, open_class=open_class,
            tags=tuple(tag), only_open=user is None, limit=paging.limit, offset=paging.offset,
        ),
    )  # fmt: skip
    return SearchOut.of(
        [service.to_out(r) for r in result.items],
        result.total,
        paging,
        request,
        facets={
            name: [FacetValueOut(value=f.value, label=f.label, count=f.count) for f in values]
            for name, values in result.facets.items()
        },
    )


@router.get("/resources/{code}", response_model=ResourceDetailOut)
def show(code: str, session: DbSession, user: OptionalUser) -> ResourceDetailOut:
    """A resource and its version history."""
    resource = service.get_resource(session, code)
    if not service.visible(resource, user):
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
        if department and user.is_platform_admin
        else user.department
    )
    service.require_steward(user, owner.id)
    resource = service.register_resource(session, spec, owner, identity.actor_for_user(user))
    return service.to_out(resource)


@router.put("/resources/{code}", response_model=ResourceOut)
def update(code: str, spec: ResourceIn, session: DbSession, user: Steward) -> ResourceOut:
    """Change a resource of your department; a changed field list makes a new version."""
    resource = service.get_resource(session, code)
    service.require_steward(user, resource.department_id)
    changed = service.update_resource(session, code, spec, identity.actor_for_user(user))
    return service.to_out(changed)


def _format(fmt: str | None, content_type: str) -> reading.Format:
    chosen = fmt or ("json" if "json" in content_type else "csv")
    if chosen not in ("csv", "json"):
        raise Invalid("format must be csv or json", errors=[{"field": "format"}])
    return chosen  # type: ignore[return-value]


@router.post(
    "/import",
    max_body_size=MAX_IMPORT_BYTES,
    response_model=ImportReportOut,
    openapi_extra={
        "requestBody": {
            "content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {}},
            "required": True,
        }
    },
)
async def import_list(
    request: Request,
    session: DbSession,
    user: Steward,
    format: Literal["csv", "json"] | None = None,
    dry_run: bool = False,
) -> ImportReportOut:
    """Import a sharing list (the body: CSV or JSON, see docs/catalog.md). All or
    nothing: a bad row rejects the file with 422 and every bad row in `errors`."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise Invalid(f"the file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB")
    report = importing.import_resources(
        session,
        body,
        _format(format, request.headers.get("content-type", "")),
        identity.actor_for_user(user),
        department_ids=service.stewarded_departments(user),
        dry_run=dry_run,
    )
    return ImportReportOut(**report.as_dict())


@router.get("/export", response_class=Response)
def export_list(
    session: DbSession,
    user: Steward,
    format: Literal["csv", "json"] = "csv",
    department: str | None = None,
) -> Response:
    """Your department's resources (platform admins: all, or `department`) in the
    import's format, connector settings included."""
    scope = service.stewarded_departments(user)
    department_id = identity.department_by_code(session, department).id if department else None
    if scope is not None:
        if department_id is not None and department_id not in scope:
            raise Forbidden("you may export only your own department's resources")
        department_id = next(iter(scope))
    resources = service.list_resources(session, department_id=department_id)
    return Response(
        exporting.export_resources(resources, format),
        media_type=FORMAT_TYPES[format],
        headers={"content-disposition": f'attachment; filename="sharing-list.{format}"'},
    )


# Data needs --------------------------------------------------------------------------------


@router.post("/needs", response_model=NeedOut, status_code=201)
def post_need(body: NeedIn, session: DbSession, user: CurrentUser) -> NeedOut:
    """Ask a department for data no resource offers yet; it answers within
    needs.ANSWER_DAYS working days."""
    return needs.need_out(needs.post_need(session, body, user))


@router.get("/needs", response_model=Page[NeedOut])
def list_needs(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    paging: Paging,
    status: NeedStatus | None = None,
) -> Page[NeedOut]:
    """Needs your department posted or is asked to answer (operators and auditors: all),
    newest first, a page at a time."""
    everyone = bool(user.roles & {Role.platform_admin, Role.auditor})
    query = needs.needs_query(None if everyone else user.department_id, status)
    rows, total = fetch_page(session, query, paging)
    return Page[NeedOut].of([needs.need_out(n) for n in rows], total, paging, request)


@router.get("/needs/overdue", response_model=list[NeedOut])
def overdue(session: DbSession, user: CurrentUser) -> list[NeedOut]:
    """Open needs past their answer deadline that involve you (operators: all)."""
    return [needs.need_out(n) for n in needs.overdue_needs(session) if needs.can_see(user, n)]


@router.get("/needs/{need_id}", response_model=NeedOut)
def one_need(need_id: Id, session: DbSession, user: CurrentUser) -> NeedOut:
    need = needs.get_need(session, need_id)
    if not needs.can_see(user, need):
        raise Forbidden("this need is between other departments")
    return needs.need_out(need)


@router.post("/needs/{need_id}/answer", response_model=NeedOut)
def answer(need_id: Id, body: NeedAnswerIn, session: DbSession, user: CurrentUser) -> NeedOut:
    """The provider answers: will provide (naming the resource fulfils the need) or
    cannot provide, with the reason."""
    need = needs.answer_need(session, needs.get_need(session, need_id), body, user)
    return needs.need_out(need)
