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
from onceonly.federation import client, service
from onceonly.identity.models import Client, Department
from onceonly.sharing.service import PORTAL_CLIENT_CODE

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
    record = marriages[0]
    husband, wife = str(record["husband_id_number"]), str(record["wife_id_number"])
    spouse = wife if husband.upper() == applicant else husband
    try:
        here = _local(session, REGISTER, spouse, purpose, case_ref, settings)
    except Problem:
        here = []
    if here:
        return SpouseData(spouse, here[0], "local")
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
