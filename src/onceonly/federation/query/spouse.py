"""A spouse registered in another province (婚育户一链办 across the border).

`spouse_household` finds the applicant's marriage in this province's civil-affairs
records, and the spouse's household register entry: here if the spouse is registered
here, else from the peer node of the spouse's province (the one named by the ID
number's division first, then the others). It never raises for a peer's failure: the
answer then carries no row and a reason the portal can show the citizen, who is asked
for the material instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.actors import Actor
from onceonly.core.errors import Problem
from onceonly.core.settings import Settings
from onceonly.exchange import service as exchange
from onceonly.exchange.schemas import QueryIn
from onceonly.federation import service
from onceonly.federation.models import Peer
from onceonly.federation.query import client
from onceonly.identity.models import Client, Department
from onceonly.sharing.service import PORTAL_CLIENT_CODE

# The purpose other provinces grant spouse look-ups for (婚育户一链办); a peer's grant
# must name exactly this.
SPOUSE_PURPOSE = "婚育户一链办：核验配偶户籍"
MARRIAGES = "ca.marriages"
REGISTER = "ps.residents"


@dataclass
class SpouseData:
    spouse_id_number: str | None
    row: dict[str, Any] | None
    origin: str  # "local", a peer's node id, or "" when nothing came back
    reason: str = ""  # why nothing came back, for the citizen


def _local(
    session: Session, resource: str, key: str, purpose: str, ref: str, settings: Settings | None
) -> list[dict[str, Any]]:
    portal = session.scalar(select(Client).where(Client.code == PORTAL_CLIENT_CODE))
    if portal is None:
        raise Problem("the portal has no system client", code="no-portal-client")
    out = exchange.query(session, portal, resource, QueryIn(subject_key=key, purpose=purpose),
                         purpose_ref=ref, settings=settings)  # fmt: skip
    return out.rows


def spouse_household(
    session: Session,
    applicant_id_number: str,
    *,
    purpose: str,
    case_ref: str,
    actor: Actor,
    department: Department | None = None,
    settings: Settings | None = None,
) -> SpouseData:
    applicant = applicant_id_number.upper()
    try:
        marriages = [m for m in _local(session, MARRIAGES, applicant, purpose, case_ref, settings)
                     if m.get("status") == "married"]  # fmt: skip
    except Problem as problem:
        return SpouseData(
            None, None, "", f"the marriage record could not be read: {problem.detail}"
        )
    if not marriages:
        return SpouseData(None, None, "", "no marriage is registered for you in this province")
    spouse = spouse_of(marriages[0], applicant)
    try:  # the spouse's register entry: here (origin "local"), else from a peer
        here = _local(session, REGISTER, spouse, purpose, case_ref, settings)
    except Problem:
        here = []
    if here:
        return SpouseData(spouse, here[0], "local")
    return from_peers(
        session, spouse, purpose=purpose, case_ref=case_ref, actor=actor, department=department
    )


def spouse_of(marriage: dict[str, Any], applicant_id_number: str) -> str:
    """The other party of a `ca.marriages` row."""
    husband, wife = str(marriage["husband_id_number"]), str(marriage["wife_id_number"])
    return wife if husband.upper() == applicant_id_number.upper() else husband


def home_peer(session: Session, id_number: str) -> Peer | None:
    """The linked peer of the province an ID number was issued in (`CN-<xx>0000`)."""
    wanted = f"CN-{id_number[:2]}0000"
    return next((p for p in service.peers(session) if p.node_id == wanted), None)


def from_peers(
    session: Session,
    spouse_id_number: str,
    *,
    purpose: str = SPOUSE_PURPOSE,
    case_ref: str,
    actor: Actor,
    department: Department | None = None,
) -> SpouseData:
    """The household register entry of someone not registered here, from the peer of
    their ID number's province first, then the others; a reason when none answers."""
    spouse = spouse_id_number.upper()
    reasons = []
    prefix = f"CN-{spouse[:2]}0000"
    for peer in sorted(service.peers(session), key=lambda p: p.node_id != prefix):
        if peer.disabled_at is not None:
            continue
        try:
            answer = client.query(session, peer.node_id, REGISTER, subject_key=spouse,
                                  purpose=purpose, case_ref=case_ref, actor=actor,
                                  department=department)  # fmt: skip
        except Problem as problem:
            reasons.append(f"{peer.name}: {problem.detail}")
            continue
        if answer.rows:
            return SpouseData(spouse, answer.rows[0], peer.node_id)
        reasons.append(f"{peer.name}: no household register entry")
    if not reasons:
        reasons.append("the spouse is not registered here and no other province is linked")
    return SpouseData(spouse, None, "", "; ".join(reasons))
