"""Data needs: a department asks for data no resource offers; the presumed provider answers.

open ──answer(provide, no resource yet)──▶ answered ──answer(provide, resource)──▶ fulfilled
  │  ──answer(provide, resource)────────────────────────────────────────────────▶ fulfilled
  └──answer(cannot provide, reason)──▶ declined

A need left open for more than `ANSWER_DAYS` working days is overdue; supervision lists
those through `overdue_needs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog import service as catalog
from onceonly.catalog.models import DataNeed, NeedStatus
from onceonly.catalog.schemas import NeedAnswerIn, NeedIn, NeedOut
from onceonly.core.calendar import load_calendar
from onceonly.core.db import get_or_not_found, utcnow
from onceonly.core.errors import Forbidden, Invalid
from onceonly.identity import service as identity
from onceonly.identity.models import Role, User

ANSWER_DAYS = 10  # working days the presumed provider has to answer a need
ANSWERERS = (Role.data_steward, Role.department_admin)


def post_need(session: Session, spec: NeedIn, user: User) -> DataNeed:
    provider = identity.department_by_code(session, spec.provider_code)
    if provider.id == user.department_id:
        raise Invalid(
            "your own department holds this data: register it as a resource instead",
            errors=[{"field": "provider_code", "reason": "must be another department"}],
        )
    now = utcnow()
    need = DataNeed(
        title=spec.title.strip(),
        description=spec.description.strip(),
        requester_id=user.department_id,
        provider_id=provider.id,
        fields_wanted=spec.fields_wanted,
        purpose=spec.purpose.strip(),
        status=NeedStatus.OPEN,
        posted_by=user.username,
        posted_at=now,
        due_at=load_calendar(session).deadline(now, ANSWER_DAYS),
    )
    session.add(need)
    session.flush()
    _record(session, "catalog.need.posted", user, need, provider=provider.code)
    return need


def get_need(session: Session, need_id: int) -> DataNeed:
    return get_or_not_found(session, DataNeed, need_id, f"no data need {need_id}")


def can_see(user: User, need: DataNeed) -> bool:
    if user.roles & {Role.platform_admin, Role.auditor}:
        return True
    return user.department_id in (need.requester_id, need.provider_id)


def can_answer(user: User, need: DataNeed) -> bool:
    return user.acts_for(need.provider_id, *ANSWERERS)


def answer_need(session: Session, need: DataNeed, answer: NeedAnswerIn, user: User) -> DataNeed:
    """The provider's answer; naming a resource of its own fulfils the need."""
    if not can_answer(user, need):
        raise Forbidden(
            "only a data steward or administrator of the presumed provider answers this need",
            code="not-provider",
        )
    if need.status not in (NeedStatus.OPEN, NeedStatus.ANSWERED):
        raise Invalid(f"need {need.id} is already {need.status.value}")
    note = answer.note.strip()
    now = utcnow()
    if not answer.provide:
        if not note:
            raise Invalid(
                "say why the data cannot be provided",
                errors=[{"field": "note", "reason": "a reason is required"}],
            )
        need.status = NeedStatus.DECLINED
    elif answer.resource_code:
        resource = catalog.get_resource(session, answer.resource_code)
        if resource.department_id != need.provider_id:
            raise Invalid(
                f"resource {resource.code} belongs to another department",
                errors=[{"field": "resource_code", "reason": "must be the provider's own"}],
            )
        need.resource_id, need.resource = resource.id, resource
        need.status, need.fulfilled_at = NeedStatus.FULFILLED, now
    else:
        if not note:
            raise Invalid(
                "say how and when the data will be provided",
                errors=[{"field": "note", "reason": "a plan is required"}],
            )
        need.status = NeedStatus.ANSWERED
    if note:
        need.answer = note
    if need.answered_at is None:
        need.answered_at, need.answered_by = now, user.username
    session.flush()
    _record(
        session,
        f"catalog.need.{need.status.value}",
        user,
        need,
        resource=answer.resource_code or "",
        note=note,
    )
    return need


def needs_query(
    department_id: int | None = None, status: NeedStatus | None = None
) -> Select[DataNeed]:
    """Needs a department posted or is asked to answer (all needs when None), newest first."""
    query = select(DataNeed).order_by(DataNeed.posted_at.desc(), DataNeed.id.desc())
    if department_id is not None:
        query = query.where(
            or_(DataNeed.requester_id == department_id, DataNeed.provider_id == department_id)
        )
    if status is not None:
        query = query.where(DataNeed.status == status)
    return query


def list_needs(
    session: Session, *, department_id: int | None = None, status: NeedStatus | None = None
) -> Sequence[DataNeed]:
    return session.scalars(needs_query(department_id, status)).all()


def overdue_needs(session: Session, now: datetime | None = None) -> Sequence[DataNeed]:
    """Open needs past their answer deadline, the longest overdue first."""
    return session.scalars(
        select(DataNeed)
        .where(DataNeed.status == NeedStatus.OPEN, DataNeed.due_at < (now or utcnow()))
        .order_by(DataNeed.due_at, DataNeed.id)
    ).all()


def need_out(need: DataNeed, now: datetime | None = None) -> NeedOut:
    return NeedOut(
        id=need.id,
        title=need.title,
        description=need.description,
        requester_code=need.requester.code,
        requester_name=need.requester.name,
        provider_code=need.provider.code,
        provider_name=need.provider.name,
        fields_wanted=list(need.fields_wanted),
        purpose=need.purpose,
        status=need.status.value,
        posted_by=need.posted_by,
        posted_at=need.posted_at,
        due_at=need.due_at,
        overdue=need.is_overdue(now or utcnow()),
        answered_by=need.answered_by,
        answered_at=need.answered_at,
        answer=need.answer,
        resource_code=need.resource.code if need.resource else None,
        fulfilled_at=need.fulfilled_at,
    )


def _record(session: Session, action: str, user: User, need: DataNeed, **detail: object) -> None:
    audit.record(
        session,
        audit.Event(
            action, identity.actor_for_user(user), "data_need", str(need.id), detail=detail
        ),
    )
