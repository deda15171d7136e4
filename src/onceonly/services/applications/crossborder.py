"""A spouse registered in another province (婚育户一链办 across the border).

When an application's fetched marriage record names a spouse this province does not
register, the spouse's household register entry is asked of the spouse's province
through federation. It becomes one more material, fetched for the citizen to confirm
like any other, with the province it came from; if that province refuses or does not
answer, the material is left for the citizen to give, and the note says why.

跨省通办: a cross-region case of an applicant whose ID number was issued in a linked
province is decided there (`route_elsewhere`, on submit; `federation.cases.routed`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from onceonly.core.actors import Actor
from onceonly.federation.cases import routed
from onceonly.federation.query import spouse
from onceonly.services.models import (
    Application,
    ApplicationMaterial,
    MaterialState,
    SourceKind,
)

MARRIAGE_KEY = "marriage_data"
SPOUSE_KEY = "spouse_household"
SPOUSE_NAME = "配偶户籍信息（外省）"
SPOUSE_NAME_EN = "Spouse's household registration (another province)"


def spouse_material(
    session: Session,
    rows: dict[str, Any],
    applicant_id_number: str,
    ref: str,
    actor: Actor,
) -> ApplicationMaterial | None:
    """The spouse's register entry from their province, or None when there is no
    marriage among the fetched rows or no linked province issued the spouse's ID
    number (a spouse of this province is not looked up again: nothing changes here)."""
    marriage = rows.get(MARRIAGE_KEY)
    if marriage is None or marriage.row is None:
        return None
    partner = spouse.spouse_of(marriage.row, applicant_id_number)
    if spouse.home_peer(session, partner) is None:
        return None
    found = spouse.from_peers(session, partner, case_ref=ref, actor=actor)
    material = ApplicationMaterial(key=SPOUSE_KEY, name=SPOUSE_NAME, name_en=SPOUSE_NAME_EN,
                                   required=False, source_kind=SourceKind.EXCHANGE, data={},
                                   note="")  # fmt: skip
    if found.row is None:
        material.state = MaterialState.MISSING
        material.note = f"the spouse's province could not provide it ({found.reason})"[:2000]
    else:
        material.state = MaterialState.FETCHED
        material.origin = f"{found.origin} {spouse.REGISTER}"
        material.data = {k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
                         for k, v in found.row.items()}  # fmt: skip
    return material


def route_elsewhere(session: Session, application: Application) -> int:
    """On submit: hand cross-region cases to the applicant's home province when that is a
    linked peer (sent after commit by the federation job); how many were handed on."""
    return routed.route_out(session, application)
