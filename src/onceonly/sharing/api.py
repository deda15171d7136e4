"""Sharing's JSON API for signed-in staff: request, review, grants, overdue requests.

Unsafe methods carry the session's CSRF token in `X-CSRF-Token`, as the pages' HTMX does.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.errors import Forbidden
from onceonly.core.params import Id
from onceonly.identity.deps import CurrentUser
from onceonly.identity.models import Role
from onceonly.sharing import service
from onceonly.sharing.schemas import DecisionIn, GrantOut, RequestIn, RequestOut, RevokeIn

router = APIRouter(prefix="/api/v1/sharing", tags=["sharing"], dependencies=[Depends(csrf_protect)])


@router.post("/requests", response_model=RequestOut, status_code=201)
def submit(body: RequestIn, session: DbSession, user: CurrentUser) -> RequestOut:
    """Ask for a resource's fields for one of your department's system clients."""
    request = service.submit_request(session, body, user)
    session.flush()
    return service.request_out(request)


@router.get("/requests", response_model=list[RequestOut])
def my_requests(session: DbSession, user: CurrentUser) -> list[RequestOut]:
    """Your department's requests, newest first."""
    rows = service.requests_of_consumer(session, user.department_id)
    return [service.request_out(r) for r in rows]


@router.get("/review-queue", response_model=list[RequestOut])
def review_queue(session: DbSession, user: CurrentUser) -> list[RequestOut]:
    """Pending requests for your department's resources, the most urgent first."""
    department = user.department_scope
    return [service.request_out(r) for r in service.review_queue(session, department)]


@router.get("/requests/{request_id}", response_model=RequestOut)
def one_request(request_id: Id, session: DbSession, user: CurrentUser) -> RequestOut:
    request = service.get_request(session, request_id)
    involved = user.department_id in (request.consumer_id, request.provider_id)
    if not involved and not user.roles & {Role.platform_admin, Role.auditor}:
        raise Forbidden("this request is between other departments")
    return service.request_out(request)


@router.post("/requests/{request_id}/decision", response_model=RequestOut)
def decide(request_id: Id, body: DecisionIn, session: DbSession, user: CurrentUser) -> RequestOut:
    """Approve (optionally fewer fields) or reject with a reason."""
    request = service.get_request(session, request_id)
    service.decide(session, request, body, user)
    session.flush()
    return service.request_out(request)


@router.get("/overdue", response_model=list[RequestOut])
def overdue(session: DbSession, user: CurrentUser) -> list[RequestOut]:
    """Pending requests past their deadline that involve your department."""
    rows = service.overdue_requests(session)
    if not user.roles & {Role.platform_admin, Role.auditor}:
        rows = [r for r in rows if user.department_id in (r.consumer_id, r.provider_id)]
    return [service.request_out(r) for r in rows]


@router.get("/grants", response_model=list[GrantOut])
def grants(session: DbSession, user: CurrentUser) -> list[GrantOut]:
    return [service.grant_out(g) for g in service.grants_visible_to(session, user)]


@router.post("/grants/{grant_id}/revoke", response_model=GrantOut)
def revoke(grant_id: Id, body: RevokeIn, session: DbSession, user: CurrentUser) -> GrantOut:
    """Stop a grant now; the gateway refuses its next call."""
    grant = service.get_grant(session, grant_id)
    service.revoke(session, grant, user, body.reason)
    return service.grant_out(grant)
