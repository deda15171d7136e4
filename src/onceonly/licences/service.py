"""Issue, hold, present and revoke electronic licences (SD-JWT VC).

Other domains call `find_for_holder` (a licence as a service material); verifying a
presentation is `verification.verify_presentation`. No HTTP here.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onceonly.audit.service import Event, record, record_many
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.core.settings import public_base_url
from onceonly.identity.models import Department
from onceonly.identity.validators import is_citizen_id, is_credit_code
from onceonly.licences import verification
from onceonly.licences.credentials import keys, sdjwt
from onceonly.licences.kinds import LICENCE_TYPES, LicenceType
from onceonly.licences.models import IssuerKey, Licence

STATUS_VALUES = {"valid": 0, "revoked": 1, "suspended": 2}


def licence_type(code: str) -> LicenceType:
    try:
        return LICENCE_TYPES[code]
    except KeyError:
        raise Invalid(f"unknown licence type {code!r}", code="unknown-licence-type") from None


def disclosable_type(type_code: str, names: Iterable[str]) -> LicenceType:
    """The licence type, once every name is one of its selectively disclosable claims
    (what a holder may choose to show, or a verifier may ask for)."""
    kind = licence_type(type_code)
    unknown = set(names) - set(kind.selective())
    if unknown:
        raise Invalid(
            f"not disclosable: {', '.join(sorted(unknown))}; "
            f"claims must be among: {', '.join(sorted(kind.selective()))}",
            code="bad-claims",
        )
    return kind


def issuer_url(department: Department) -> str:
    return f"{public_base_url()}/issuers/{department.code}"


def status_list_url(department: Department) -> str:
    return issuer_url(department) + "/status"


def department_by_code(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise NotFound(f"no issuer {code!r}", code="issuer-not-found")
    return dept


def _check_holder(holder_code: str) -> str:
    code = holder_code.strip().upper()
    if not (is_citizen_id(code) or is_credit_code(code)):
        raise Invalid("holder is neither a citizen ID nor a credit code", code="bad-holder")
    return code


# Issuing ----------------------------------------------------------------------------


@dataclass
class IssueRequest:
    type_code: str
    holder_code: str
    claims: dict[str, Any]
    source_key: str | None = None


def next_status_index(session: Session, department_id: int) -> int:
    top = session.scalar(
        select(func.max(Licence.status_index)).where(Licence.issuer_department_id == department_id)
    )
    return (top or 0) + 1


def build_licence(
    department: Department, key: IssuerKey, request: IssueRequest, index: int, now: datetime
) -> Licence:
    """Sign one licence (no database work), ready to add to the library."""
    kind = licence_type(request.type_code)
    holder = _check_holder(request.holder_code)
    missing = [c for c in kind.claims if c not in request.claims]
    if missing:
        raise Invalid(f"missing claims: {', '.join(missing)}", code="missing-claims")
    valid_until = now + timedelta(days=365 * kind.valid_years) if kind.valid_years else None
    payload: dict[str, Any] = {
        "iss": issuer_url(department),
        "vct": kind.vct,
        "iat": int(now.timestamp()),
        "cnf": {"jwk": keys.holder_key(holder).as_dict(private=False)},
        "status": {"status_list": {"idx": index, "uri": status_list_url(department)}},
    }
    if valid_until is not None:
        payload["exp"] = int(valid_until.timestamp())
    payload.update({c: request.claims[c] for c in kind.claims})
    credential = sdjwt.issue(
        payload, set(kind.selective()), keys.private_key(key), {"alg": key.alg, "kid": key.kid}
    )
    return Licence(
        serial=f"{department.code}-{kind.code}-{index:08d}".upper()[:40],
        type_code=kind.code,
        holder_code=holder,
        issuer_department_id=department.id,
        kid=key.kid,
        source_key=request.source_key,
        status_index=index,
        status="valid",
        issued_at=now,
        valid_until=valid_until,
        credential=credential,
    )


def issue_event(licence: Licence, actor: Actor) -> Event:
    return Event(
        "licence.issue",
        actor,
        "licence",
        licence.serial,
        subject_id_number=licence.holder_code,
        detail={"type": licence.type_code},
    )


def issue(session: Session, department: Department, request: IssueRequest, actor: Actor) -> Licence:
    kind = licence_type(request.type_code)
    if kind.issuer_kind != department.kind:
        raise Invalid(f"{department.code} may not issue {kind.code}", code="wrong-issuer")
    if request.source_key and session.scalar(
        select(Licence.id).where(Licence.source_key == request.source_key)
    ):
        raise Conflict("already issued for this source row", code="already-issued")
    key = keys.current_key(session, department.id)
    index = next_status_index(session, department.id)
    licence = build_licence(department, key, request, index, utcnow())
    session.add(licence)
    session.flush()
    record(session, issue_event(licence, actor))
    return licence


def record_issued(session: Session, licences: list[Licence], actor: Actor) -> None:
    record_many(session, [issue_event(lic, actor) for lic in licences])


# Status -----------------------------------------------------------------------------

_TRANSITIONS = {
    "revoke": ({"valid", "suspended"}, "revoked"),
    "suspend": ({"valid"}, "suspended"),
    "resume": ({"suspended"}, "valid"),
}


def licence_by_serial(session: Session, serial: str, holder_code: str | None = None) -> Licence:
    """The licence; with `holder_code`, only if it is that holder's: another holder's is
    answered as if it did not exist, so that serials cannot be probed."""
    licence = session.scalar(select(Licence).where(Licence.serial == serial))
    if licence is None or (holder_code is not None and licence.holder_code != holder_code.upper()):
        raise NotFound(f"no licence {serial!r}", code="licence-not-found")
    return licence


def change_status(
    session: Session, serial: str, action: str, actor: Actor, reason: str = ""
) -> Licence:
    if action not in _TRANSITIONS:
        raise Invalid(f"unknown action {action!r}", code="bad-action")
    allowed, target = _TRANSITIONS[action]
    licence = licence_by_serial(session, serial)
    if actor.department_id is not None and actor.department_id != licence.issuer_department_id:
        raise Invalid("only the issuer may change a licence's status", code="not-issuer")
    if licence.status not in allowed:
        raise Conflict(f"a {licence.status} licence cannot be {target}", code="bad-transition")
    licence.status = target
    verification.forget_statuses()
    record(
        session,
        Event(
            f"licence.{action}",
            actor,
            "licence",
            licence.serial,
            subject_id_number=licence.holder_code,
            detail={"reason": reason[:200]},
        ),
    )
    return licence


# Holder -----------------------------------------------------------------------------


def find_for_holder(
    session: Session, id_number_or_credit_code: str, type_code: str | None = None
) -> list[Licence]:
    """The holder's licences (newest first), e.g. for a service application's materials."""
    query = select(Licence).where(Licence.holder_code == id_number_or_credit_code.upper())
    if type_code:
        query = query.where(Licence.type_code == type_code)
    return list(session.scalars(query.order_by(Licence.id.desc())))


def issued_for(session: Session, source_key: str) -> Licence | None:
    """The licence issued under an idempotency key, if any (whatever its status)."""
    return session.scalar(select(Licence).where(Licence.source_key == source_key))


def claims_of(licence: Licence) -> dict[str, Any]:
    parsed = sdjwt.parse(licence.credential)
    return sdjwt.disclosed_claims(parsed) or {}


def make_presentation(
    session: Session,
    licence: Licence,
    holder_code: str,
    names: set[str],
    aud: str = "any",
    nonce: str | None = None,
) -> str:
    """A short-lived presentation of the chosen claims, bound to the holder's key."""
    if licence.holder_code != holder_code.upper():
        raise NotFound("no such licence", code="licence-not-found")
    disclosable_type(licence.type_code, names)
    record(
        session,
        Event(
            "licence.present",
            Actor("person", licence.holder_code[-4:], "holder"),
            "licence",
            licence.serial,
            subject_id_number=licence.holder_code,
            detail={"claims": sorted(names)},
        ),
    )
    return sdjwt.present(
        licence.credential,
        names,
        keys.holder_key(licence.holder_code),
        aud,
        nonce or secrets.token_urlsafe(12),
    )
