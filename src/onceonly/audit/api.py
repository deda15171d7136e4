"""`GET /api/v1/audit/my-accesses`: the signed-in citizen's tracker as JSON."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from onceonly.audit import tracker
from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], dependencies=[Depends(csrf_protect)])


class AccessOut(BaseModel):
    seq: int
    at: datetime
    action: str
    department: str
    system: str
    resource: str
    fields: list[str]
    purpose: str
    purpose_ref: str


@router.get("/my-accesses", response_model=list[AccessOut])
def my_accesses(
    session: DbSession,
    citizen: CurrentCitizen,
    before: int | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    data_only: bool = False,
) -> list[AccessOut]:
    """The signed-in person's log entries, newest first; page on with `before` = the
    last `seq`. Only the portal session of the person themselves can read this."""
    rows = tracker.accesses(
        session, citizen.id_number, before=before, limit=limit, data_only=data_only
    )
    return [AccessOut(**r.__dict__) for r in rows]
