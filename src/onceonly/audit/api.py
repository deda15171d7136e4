"""The audit API: the signed-in citizen's tracker and proofs of their own entries; the
log's checkpoints, keys and Merkle proofs, public so that anyone can hold the platform to
its log (the shapes of RFC 9162 §4: `inclusion_path`, `consistency_path`, base64)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from onceonly.audit import tracker
from onceonly.audit.checks import health  # noqa: F401  (health registers its check)
from onceonly.audit.log import checkpoints, proofs
from onceonly.audit.service import subject_ref
from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.errors import NotFound
from onceonly.core.params import Id

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], dependencies=[Depends(csrf_protect)])
BIG = 2**62  # bounds for numbers in the query string


# A log entry as the person sees it (tracker.Access, a dataclass, is the response model).
@router.get("/my-accesses", response_model=list[tracker.Access])
def my_accesses(
    session: DbSession,
    citizen: CurrentCitizen,
    before: Id | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    data_only: bool = False,
) -> list[tracker.Access]:
    """The signed-in person's log entries, newest first; page on with `before` = the
    last `id`. `seq` is the entry's place in the log, empty for the moment (under a
    second) until the sequencer has taken it."""
    rows = tracker.accesses(
        session, citizen.id_number, before=before, limit=limit, data_only=data_only
    )
    return rows


@router.get("/my-accesses/{entry_id}/proof")
def my_access_proof(entry_id: Id, session: DbSession, citizen: CurrentCitizen) -> dict[str, Any]:
    """A proof bundle for one of the person's own entries (`onceonly audit check-proof`
    checks it, or the few lines of Python in docs/audit.md); 404 until a signed
    checkpoint covers the entry."""
    entry = proofs.entry_for_subject(session, entry_id, subject_ref(citizen.id_number))
    bundle = proofs.bundle_for(session, entry)
    if bundle is None:
        raise NotFound("the entry is not under a signed checkpoint yet; try again in a minute",
                       code="not-yet-checkpointed")  # fmt: skip
    return bundle


class CheckpointOut(BaseModel):
    size: int
    root: str
    at: datetime
    key_id: str
    note: str


@router.get("/checkpoint", response_class=PlainTextResponse)
def latest_checkpoint(session: DbSession) -> PlainTextResponse:
    """The newest signed checkpoint as a C2SP signed note (text/plain)."""
    latest = checkpoints.latest(session)
    if latest is None:
        raise NotFound("no checkpoint has been signed yet", code="no-checkpoint")
    return PlainTextResponse(latest.note)


@router.get("/checkpoints", response_model=list[CheckpointOut])
def list_checkpoints(session: DbSession) -> list[CheckpointOut]:
    """The latest signed checkpoints, newest first: anyone may keep copies of them."""
    return [
        CheckpointOut(size=c.size, root=proofs.b64(c.root), at=c.at, key_id=c.key_id, note=c.note)
        for c in checkpoints.list_checkpoints(session)
    ]


@router.get("/verifier-keys", response_class=PlainTextResponse)
def verifier_keys(session: DbSession) -> PlainTextResponse:
    """Every checkpoint key as a signed-note verifier key, one a line, oldest first."""
    return PlainTextResponse("".join(k.text() + "\n" for k in checkpoints.verifier_keys(session)))


@router.get("/public-key")
def public_key(session: DbSession) -> dict[str, object]:
    """The Ed25519 checkpoint keys as a JWK set (every key ever used, oldest first)."""
    keys = checkpoints.public_jwks(session)
    if not keys:
        raise NotFound("no checkpoint has been signed yet", code="no-audit-key")
    return {"keys": keys}


class InclusionOut(BaseModel):
    leaf_index: int
    tree_size: int
    inclusion_path: list[str]


@router.get("/proof/inclusion", response_model=InclusionOut)
def inclusion(
    session: DbSession,
    leaf_index: int = Query(ge=0, le=BIG),
    tree_size: int = Query(ge=1, le=BIG),
) -> InclusionOut:
    """The audit path of leaf `leaf_index` (entry number − 1) in the tree of `tree_size`."""
    path = proofs.inclusion_path(session, leaf_index, tree_size)
    return InclusionOut(
        leaf_index=leaf_index, tree_size=tree_size, inclusion_path=[proofs.b64(h) for h in path]
    )


class ConsistencyOut(BaseModel):
    first: int
    second: int
    consistency_path: list[str]


@router.get("/proof/consistency", response_model=ConsistencyOut)
def consistency(
    session: DbSession,
    first: int = Query(ge=1, le=BIG),
    second: int = Query(ge=1, le=BIG),
) -> ConsistencyOut:
    """The proof that the tree of `second` extends the tree of `first`."""
    path = proofs.consistency_path(session, first, second)
    return ConsistencyOut(
        first=first, second=second, consistency_path=[proofs.b64(h) for h in path]
    )
