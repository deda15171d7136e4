"""The audit API: the signed-in citizen's tracker as JSON; the checkpoint key and the
signed checkpoints, public so that anyone can hold the platform to its log."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from onceonly.audit import checkpoints, tracker
from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.errors import NotFound

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


class CheckpointOut(BaseModel):
    seq: int
    hash: str
    at: datetime
    key_id: str
    signature: str


@router.get("/public-key")
def public_key(session: DbSession) -> dict[str, object]:
    """The Ed25519 key (JWK set) that signs checkpoints; a checkpoint's signature covers
    `onceonly-audit-checkpoint\\n{seq}\\n{hash}\\n{at ISO 8601}`."""
    jwk = checkpoints.public_jwk(session)
    if jwk is None:
        raise NotFound("no checkpoint has been signed yet", code="no-audit-key")
    return {"keys": [jwk]}


@router.get("/checkpoints", response_model=list[CheckpointOut])
def list_checkpoints(session: DbSession) -> list[CheckpointOut]:
    """The latest signed checkpoints, newest first: anyone may keep copies of them, which
    is what makes rewriting the log detectable from outside the platform."""
    return [
        CheckpointOut(seq=c.seq, hash=c.hash, at=c.at, key_id=c.key_id, signature=c.signature)
        for c in checkpoints.list_checkpoints(session)
    ]
