"""Read-only lists of appeals: timelines, queues, and the Open311 search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onceonly.appeals.models import (
    ACCEPTED,
    CLOSED_STATUSES,
    DISPATCHED,
    OPEN_STATUSES,
    PENDING,
    Appeal,
    AppealCategory,
    AppealEvent,
)
from onceonly.appeals.service import department_scope
from onceonly.identity.models import Department
from onceonly.identity.validators import mask_numbers_in_text


def timeline(session: Session, appeal: Appeal, *, public_only: bool) -> list[AppealEvent]:
    query = select(AppealEvent).where(AppealEvent.appeal_id == appeal.id)
    if public_only:
        query = query.where(AppealEvent.public.is_(True))
    return list(session.scalars(query.order_by(AppealEvent.at, AppealEvent.id)))


def for_person(session: Session, person_id: int, limit: int = 200) -> list[Appeal]:
    return list(
        session.scalars(
            select(Appeal)
            .where(Appeal.person_id == person_id)
            .order_by(Appeal.requested_at.desc())
            .limit(limit)
        )
    )


def department_queue(
    session: Session, department_id: int, *, open_only: bool = True, limit: int = 200
) -> list[Appeal]:
    scope = department_scope(session, department_id)
    query = select(Appeal).where(Appeal.department_id.in_(scope))
    if open_only:
        query = query.where(Appeal.status.in_((DISPATCHED, ACCEPTED)))
    return list(session.scalars(query.order_by(Appeal.due_at).limit(limit)))


def desk_queue(session: Session, limit: int = 200) -> list[Appeal]:
    """What the hotline desk must act on: undispatched, returned or escalated appeals."""
    query = select(Appeal).where(
        or_(
            Appeal.status == PENDING,
            Appeal.status.in_(OPEN_STATUSES) & Appeal.escalated_at.is_not(None),
        )
    )
    return list(session.scalars(query.order_by(Appeal.requested_at).limit(limit)))


@dataclass
class RequestQuery:
    ids: Sequence[int] = ()
    codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    is_open: bool | None = None  # the Open311 status: None for both
    limit: int = 1000


def search(session: Session, query: RequestQuery) -> Sequence[Any]:
    """Public appeals for Open311 `GET requests`, as plain rows (no contact columns), with
    ID and phone numbers typed into the description or address masked."""
    stmt = select(
        Appeal.id,
        Appeal.token,
        Appeal.status,
        Appeal.status_notes,
        Appeal.category_code,
        Appeal.description,
        Appeal.department_id,
        Appeal.requested_at,
        Appeal.updated_at,
        Appeal.due_at,
        Appeal.address,
        Appeal.lat,
        Appeal.long,
        Appeal.media_url,
        Appeal.region_code,
    ).where(Appeal.public.is_(True))
    if query.ids:
        stmt = stmt.where(Appeal.id.in_(list(query.ids)))
    if query.start is not None:
        stmt = stmt.where(Appeal.requested_at >= query.start)
    if query.end is not None:
        stmt = stmt.where(Appeal.requested_at <= query.end)
    if query.codes:
        stmt = stmt.where(Appeal.category_code.in_(list(query.codes)))
    if query.is_open is not None:
        stmt = stmt.where(Appeal.is_open.is_(query.is_open))
    stmt = stmt.order_by(Appeal.requested_at.desc()).limit(query.limit)
    return [
        row._replace(
            description=mask_numbers_in_text(row.description),
            address=mask_numbers_in_text(row.address),
        )
        for row in _PublicRow.from_rows(session.execute(stmt))
    ]


class _PublicRow(NamedTuple):
    id: int
    token: str
    status: str
    status_notes: str
    category_code: str
    description: str
    department_id: int | None
    requested_at: datetime
    updated_at: datetime
    due_at: datetime | None
    address: str
    lat: float | None
    long: float | None
    media_url: str
    region_code: str | None

    @classmethod
    def from_rows(cls, rows: Any) -> list[_PublicRow]:
        return [cls(*row) for row in rows]


def names_for_page(
    session: Session, department_ids: set[int]
) -> tuple[dict[str, str], dict[int, str]]:
    """Category names by code and department names by id, for a page of results,
    loaded once per page."""
    categories = dict(session.execute(select(AppealCategory.code, AppealCategory.name)).all())
    departments: dict[int, str] = {}
    if department_ids:
        departments = dict(
            session.execute(
                select(Department.id, Department.name).where(Department.id.in_(department_ids))
            ).all()
        )
    return categories, departments


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def count_open(session: Session) -> int:
    return session.scalar(select(func.count()).where(Appeal.status.in_(OPEN_STATUSES))) or 0
