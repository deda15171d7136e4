"""Sharing rules: request a resource, review the request, grant, revoke, watch deadlines.

An unconditionally shared resource is granted at once (the request is still recorded);
a conditional one waits for a reviewer of the provider department, who must decide
within `REVIEW_DAYS` working days; a resource that is not shared cannot be requested.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog import service as catalog
from onceonly.catalog.models import Resource, ShareClass
from onceonly.core.actors import Actor
from onceonly.core.calendar import CHINA_TZ, load_calendar
from onceonly.core.db import get_or_not_found, utcnow
from onceonly.core.errors import Forbidden, Invalid
from onceonly.identity import service as identity
from onceonly.identity.models import Client, Role, User
from onceonly.sharing.models import AccessRequest, Grant, RequestStatus
from onceonly.sharing.schemas import DecisionIn, GrantOut, RequestIn, RequestOut

PORTAL_CLIENT_CODE = "portal-services"
REVIEW_DAYS = 5  # working days a provider has to decide a conditional request
AUTOMATIC = "automatic (unconditionally shared)"
REVIEWERS = (Role.reviewer, Role.department_admin)


def _names(values: Sequence[str]) -> str:
    return ", ".join(values)


def _unknown_fields(resource: Resource, fields: Sequence[str]) -> list[str]:
    known = set(resource.field_names)
    return [f for f in fields if f not in known]


# Requests ---------------------------------------------------------------------------


def submit_request(session: Session, spec: RequestIn, user: User) -> AccessRequest:
    """A consumer's request; granted at once when the resource is shared unconditionally."""
    resource = catalog.get_resource(session, spec.resource_code)
    client = identity.client_by_code(session, spec.client_code)
    if client.department_id != user.department_id:
        raise Forbidden(
            f"client {client.code} belongs to another department; request for your own systems",
            code="not-your-client",
        )
    if resource.share_class is ShareClass.NOT_SHARED:
        raise Forbidden(
            f"resource {resource.code} is not shared: it cannot be requested "
            f"(legal basis: {resource.legal_basis or 'none given'})",
            code="not-shared",
        )
    fields = list(dict.fromkeys(spec.fields))
    if unknown := _unknown_fields(resource, fields):
        raise Invalid(
            f"resource {resource.code} has no fields {_names(unknown)}",
            errors=[{"field": "fields", "reason": f"unknown: {_names(unknown)}"}],
        )
    now = utcnow()
    request = AccessRequest(
        consumer_id=client.department_id,
        provider_id=resource.department_id,
        client_id=client.id,
        resource_id=resource.id,
        fields=fields,
        purpose=spec.purpose.strip(),
        legal_basis=spec.legal_basis.strip(),
        duration_days=spec.duration_days,
        expected_volume=spec.expected_volume,
        status=RequestStatus.PENDING,
        requested_by=user.username,
        submitted_at=now,
        due_at=load_calendar(session).deadline(now, REVIEW_DAYS),
    )
    session.add(request)
    session.flush()
    actor = identity.actor_for_user(user)
    _record(session, "sharing.request.submitted", actor, request, fields=fields)
    if resource.share_class is ShareClass.UNCONDITIONAL:
        _approve(session, request, fields, [], Actor.system(AUTOMATIC), now)
    return request


def get_request(session: Session, request_id: int) -> AccessRequest:
    return get_or_not_found(session, AccessRequest, request_id, f"no access request {request_id}")


def can_review(user: User, request: AccessRequest) -> bool:
    return user.acts_for(request.provider_id, *REVIEWERS)


def decide(session: Session, request: AccessRequest, decision: DecisionIn, user: User) -> None:
    """A provider reviewer approves (all or fewer fields) or rejects with a reason."""
    if not can_review(user, request):
        raise Forbidden(
            "only a reviewer of the providing department decides this request",
            code="not-reviewer",
        )
    if request.status is not RequestStatus.PENDING:
        raise Invalid(f"request {request.id} is already {request.status.value}")
    actor = identity.actor_for_user(user)
    now = utcnow()
    if not decision.approve:
        if not decision.reason.strip():
            raise Invalid("a rejection needs a reason", field="reason")
        request.status = RequestStatus.REJECTED
        request.reason = decision.reason.strip()
        request.decided_at, request.decided_by = now, user.username
        _record(session, "sharing.request.rejected", actor, request, reason=request.reason)
        return
    fields = list(dict.fromkeys(decision.fields or request.fields))
    if extra := [f for f in fields if f not in request.fields]:
        raise Invalid(
            f"only requested fields can be approved; not requested: {_names(extra)}",
            field="fields",
        )
    if not fields:
        raise Invalid("approve at least one field, or reject", field="fields")
    request.reason = decision.reason.strip()
    _approve(session, request, fields, [], actor, now)


def _approve(
    session: Session,
    request: AccessRequest,
    fields: list[str],
    clear_fields: list[str],
    actor: Actor,
    now: datetime,
) -> None:
    grant = _new_grant(
        session,
        client_id=request.client_id,
        resource_id=request.resource_id,
        fields=fields,
        clear_fields=clear_fields,
        purpose=request.purpose,
        expires_at=now + timedelta(days=request.duration_days),
        rate_limit_per_minute=max(60, request.expected_volume),
        created_by=actor.label or actor.ref(),
    )
    request.status = RequestStatus.APPROVED
    request.approved_fields = fields
    request.decided_at, request.decided_by = now, actor.label or actor.ref()
    request.grant_id = grant.id
    reduced = [f for f in request.fields if f not in fields]
    _record(
        session, "sharing.request.approved", actor, request, grant_id=grant.id, withheld=reduced
    )


def _record(
    session: Session, action: str, actor: Actor, request: AccessRequest, **detail: object
) -> None:
    audit.record(
        session,
        audit.Event(
            action,
            actor,
            "access_request",
            str(request.id),
            purpose=request.purpose,
            detail={"resource": request.resource.code, **detail},
        ),
    )


def requests_of_consumer(session: Session, department_id: int) -> Sequence[AccessRequest]:
    return session.scalars(
        select(AccessRequest)
        .where(AccessRequest.consumer_id == department_id)
        .order_by(AccessRequest.submitted_at.desc())
    ).all()


def review_queue(
    session: Session, department_id: int | None, *, pending_only: bool = True
) -> Sequence[AccessRequest]:
    """A provider's requests (every provider's when `department_id` is None), oldest due first."""
    query = select(AccessRequest).order_by(AccessRequest.due_at)
    if department_id is not None:
        query = query.where(AccessRequest.provider_id == department_id)
    if pending_only:
        query = query.where(AccessRequest.status == RequestStatus.PENDING)
    return session.scalars(query).all()


def overdue_requests(session: Session, *, today: date | None = None) -> list[AccessRequest]:
    """Pending requests past their deadline: before `today` began, or before now."""
    cutoff = (
        datetime.combine(today, time.min, tzinfo=CHINA_TZ).astimezone(UTC)
        if today is not None
        else utcnow()
    )
    return list(
        session.scalars(
            select(AccessRequest)
            .where(AccessRequest.status == RequestStatus.PENDING, AccessRequest.due_at < cutoff)
            .order_by(AccessRequest.due_at)
        ).all()
    )


def request_out(request: AccessRequest, now: datetime | None = None) -> RequestOut:
    return RequestOut(
        id=request.id,
        consumer_code=request.consumer.code,
        provider_code=request.provider.code,
        client_code=request.client.code,
        resource_code=request.resource.code,
        fields=request.fields,
        purpose=request.purpose,
        legal_basis=request.legal_basis,
        duration_days=request.duration_days,
        expected_volume=request.expected_volume,
        status=request.status.value,
        submitted_at=request.submitted_at,
        due_at=request.due_at,
        overdue=request.is_overdue(now or utcnow()),
        decided_at=request.decided_at,
        approved_fields=request.approved_fields,
        reason=request.reason,
        grant_id=request.grant_id,
    )


# Grants -----------------------------------------------------------------------------


def _new_grant(session: Session, **values: object) -> Grant:
    grant = Grant(**values)
    session.add(grant)
    session.flush()
    return grant


def grant_directly(
    session: Session,
    *,
    client: Client,
    resource: Resource,
    fields: list[str],
    purpose: str,
    clear_fields: list[str] | None = None,
    expires_at: datetime | None = None,
    rate_limit_per_minute: int = 600,
    by: Actor,
) -> Grant:
    """A grant without a request: platform seeds and operator decisions (audited)."""
    clear = list(clear_fields or [])
    if unknown := _unknown_fields(resource, [*fields, *clear]):
        raise Invalid(f"resource {resource.code} has no fields {_names(unknown)}", field="fields")
    if stray := [f for f in clear if f not in fields]:
        raise Invalid(f"clear fields must be granted fields: {_names(stray)}", field="clear_fields")
    grant = _new_grant(
        session,
        client_id=client.id,
        resource_id=resource.id,
        fields=list(fields),
        clear_fields=clear,
        purpose=purpose,
        expires_at=expires_at,
        rate_limit_per_minute=rate_limit_per_minute,
        created_by=by.label or by.ref(),
    )
    audit.record(
        session,
        audit.Event(
            "sharing.grant.created",
            by,
            "grant",
            str(grant.id),
            purpose=purpose,
            detail={
                "client": client.code,
                "resource": resource.code,
                "fields": list(fields),
                "clear_fields": clear,
            },
        ),
    )
    return grant


def active_grant(session: Session, client_id: int, resource_id: int) -> Grant | None:
    """The client's newest grant on the resource that is neither expired nor revoked."""
    now = utcnow()
    return session.scalar(
        select(Grant)
        .where(
            Grant.client_id == client_id,
            Grant.resource_id == resource_id,
            Grant.live_at(now),
        )
        .order_by(Grant.id.desc())
        .limit(1)
    )


def latest_grant(session: Session, client_id: int, resource_id: int) -> Grant | None:
    """The newest grant whatever its state: says why access stopped."""
    return session.scalar(
        select(Grant)
        .where(Grant.client_id == client_id, Grant.resource_id == resource_id)
        .order_by(Grant.id.desc())
        .limit(1)
    )


def get_grant(session: Session, grant_id: int) -> Grant:
    return get_or_not_found(session, Grant, grant_id, f"no grant {grant_id}")


def can_revoke(user: User, grant: Grant) -> bool:
    """The provider's reviewers, or the consuming department's administrator."""
    return user.acts_for(grant.resource.department_id, *REVIEWERS) or user.acts_for(
        grant.client.department_id, Role.department_admin
    )


def revoke(session: Session, grant: Grant, user: User, reason: str) -> None:
    """Stop a grant now: the gateway refuses the next call."""
    if not can_revoke(user, grant):
        raise Forbidden("you cannot revoke this grant", code="not-allowed")
    if grant.revoked_at is not None:
        return
    if not reason.strip():
        raise Invalid("say why the grant is revoked", field="reason")
    grant.revoked_at = utcnow()
    grant.revoked_by = user.username
    grant.revoke_reason = reason.strip()
    audit.record(
        session,
        audit.Event(
            "sharing.grant.revoked",
            identity.actor_for_user(user),
            "grant",
            str(grant.id),
            detail={"reason": grant.revoke_reason, "resource": grant.resource.code},
        ),
    )


def grants_visible_to(session: Session, user: User) -> Sequence[Grant]:
    """Grants on the user's department's resources or to its clients (all for operators)."""
    query = select(Grant).order_by(Grant.id.desc())
    if not user.roles & {Role.platform_admin, Role.auditor}:
        query = query.where(
            or_(
                Grant.resource.has(Resource.department_id == user.department_id),
                Grant.client.has(Client.department_id == user.department_id),
            )
        )
    return session.scalars(query).all()


def grant_out(grant: Grant, now: datetime | None = None) -> GrantOut:
    return GrantOut(
        id=grant.id,
        client_code=grant.client.code,
        resource_code=grant.resource.code,
        fields=grant.fields,
        clear_fields=grant.clear_fields,
        purpose=grant.purpose,
        rate_limit_per_minute=grant.rate_limit_per_minute,
        created_at=grant.created_at,
        expires_at=grant.expires_at,
        revoked_at=grant.revoked_at,
        active=grant.is_active(now or utcnow()),
    )
