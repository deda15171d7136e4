"""Issue, hold, present, verify and revoke electronic licences (SD-JWT VC).

Other domains call `find_for_holder` (a licence as a service material) and
`verify_presentation` (any verifier). No HTTP here.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
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
from onceonly.licences import keys, sdjwt
from onceonly.licences.kinds import LICENCE_TYPES, LicenceType
from onceonly.licences.models import IssuerKey, Licence, TrustedIssuer

PRESENTATION_TTL = 300  # seconds a presentation stays fresh: a copy can't be replayed later
OUTCOMES = (
    "valid",
    "invalid_signature",
    "tampered_disclosure",
    "expired",
    "revoked",
    "suspended",
    "issuer_not_recognised",
    "malformed",
)
STATUS_VALUES = {"valid": 0, "revoked": 1, "suspended": 2}


def licence_type(code: str) -> LicenceType:
    try:
        return LICENCE_TYPES[code]
    except KeyError:
        raise Invalid(f"unknown licence type {code!r}", code="unknown-licence-type") from None


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


def licence_by_serial(session: Session, serial: str) -> Licence:
    licence = session.scalar(select(Licence).where(Licence.serial == serial))
    if licence is None:
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
    _status_cache.clear()
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
    kind = licence_type(licence.type_code)
    unknown = names - set(kind.selective())
    if unknown:
        raise Invalid(f"not disclosable: {', '.join(sorted(unknown))}", code="bad-claims")
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


# Verifying --------------------------------------------------------------------------


@dataclass
class Verification:
    outcome: str
    reason: str = ""
    issuer: str = ""
    type_code: str = ""
    claims: dict[str, Any] = field(default_factory=dict)


# Local issuers' keys, cached briefly per process: verification is the hot path and
# keys change only on rotation (a kid not in the cache forces a reload).
_LOCAL_CACHE_SECONDS = 30.0
_local_issuers: dict[tuple[str, str], tuple[float, dict[str, Any], Department]] = {}


def _local_issuer(session: Session, iss: str, kid: Any) -> tuple[dict[str, Any], Department] | None:
    prefix = public_base_url() + "/issuers/"
    if not iss.startswith(prefix):
        return None
    cache_key = (str(session.get_bind().engine.url), iss)
    cached = _local_issuers.get(cache_key)
    now = time.monotonic()
    if cached and cached[0] > now and any(k.get("kid") == kid for k in cached[1]["keys"]):
        return cached[1], cached[2]
    dept = session.scalar(select(Department).where(Department.code == iss[len(prefix) :]))
    if dept is None:
        return None
    found = keys.jwks(session, dept.id)
    session.expunge(dept)
    _local_issuers[cache_key] = (now + _LOCAL_CACHE_SECONDS, found, dept)
    return found, dept


def _issuer_keys(
    session: Session, iss: str, type_code: str, kid: Any
) -> tuple[dict[str, Any] | None, Department | None]:
    """(JWKS, local department) of a recognised issuer; (None, None) if not recognised."""
    local = _local_issuer(session, iss, kid)
    if local is not None:
        return local
    trusted = session.scalar(select(TrustedIssuer).where(TrustedIssuer.iss == iss))
    if trusted is None or (trusted.types and type_code not in trusted.types):
        return None, None
    return trusted.jwks, None


def _check(session: Session, text: str, nonce: str | None, aud: str | None) -> Verification:
    try:
        parsed = sdjwt.parse(text)
    except sdjwt.Malformed as exc:
        return Verification("malformed", str(exc))
    payload = parsed.payload
    iss, vct = payload.get("iss"), payload.get("vct")
    if not isinstance(iss, str) or not isinstance(vct, str):
        return Verification("malformed", "no iss or vct")
    type_code = vct.rsplit(":", 1)[-1]
    result = Verification("valid", issuer=iss, type_code=type_code)
    kid = parsed.header.get("kid")
    jwks, dept = _issuer_keys(session, iss, type_code, kid)
    if jwks is None:
        return _with(result, "issuer_not_recognised", "issuer not on the trust list")
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    try:
        key_ok = jwk is not None and sdjwt.signature_ok(parsed, sdjwt.import_public(jwk))
    except (sdjwt.Malformed, ValueError):
        key_ok = False
    if not key_ok:
        return _with(result, "invalid_signature", "the issuer's signature does not match")
    claims = sdjwt.disclosed_claims(parsed)
    if claims is None:
        return _with(result, "tampered_disclosure", "a disclosure is not in the signed digests")
    kb = sdjwt.verify_kb(parsed)
    if kb is None:
        return _with(result, "tampered_disclosure", "the holder's key binding does not match")
    now = time.time()
    iat = kb.get("iat")
    if not isinstance(iat, int) or not (now - PRESENTATION_TTL <= iat <= now + 60):
        return _with(result, "expired", "the presentation is no longer fresh")
    if nonce is not None and kb.get("nonce") != nonce:
        return _with(result, "expired", "the presentation was made for another request")
    if aud is not None and kb.get("aud") != aud:
        return _with(result, "wrong_audience", "the presentation was made for another verifier")
    exp = payload.get("exp")
    if isinstance(exp, int | float) and exp < now:
        return _with(result, "expired", "the licence has expired")
    status = _status(session, dept, payload)
    if status != "valid":
        return _with(result, status, f"the licence is {status}")
    result.claims = {k: v for k, v in claims.items() if k not in ("cnf", "status")}
    return result


def _with(result: Verification, outcome: str, reason: str) -> Verification:
    result.outcome, result.reason = outcome, reason
    return result


# The issuer's status list as a verifier reads it: only the licences that are not
# valid, per issuer, cached for a few seconds like a Token Status List with a short
# `ttl`. A status change in this process drops the cache at once; other processes see
# it within STATUS_CACHE_SECONDS. Reading one row per presentation instead costs as
# much as the two signature checks together (see docs/benchmarks.md).
STATUS_CACHE_SECONDS = 2.0
_status_cache: dict[tuple[str, int], tuple[float, dict[int, str]]] = {}


def _not_valid(session: Session, department_id: int) -> dict[int, str]:
    cache_key = (str(session.get_bind().engine.url), department_id)
    now = time.monotonic()
    cached = _status_cache.get(cache_key)
    if cached and cached[0] > now:
        return cached[1]
    rows = session.execute(
        select(Licence.status_index, Licence.status).where(
            Licence.issuer_department_id == department_id, Licence.status != "valid"
        )
    )
    statuses = {index: status for index, status in rows}
    _status_cache[cache_key] = (now + STATUS_CACHE_SECONDS, statuses)
    return statuses


def _status(session: Session, dept: Department | None, payload: dict[str, Any]) -> str:
    ref = payload.get("status", {})
    idx = ref.get("status_list", {}).get("idx") if isinstance(ref, dict) else None
    if dept is None or not isinstance(idx, int):
        # Another region's licence: its status list is fetched by the verifier's own
        # client; this platform does not reach out to other regions (see docs).
        return "valid"
    return _not_valid(session, dept.id).get(idx, "valid")


def verify_presentation(
    session: Session,
    text: str,
    nonce: str | None = None,
    actor: Actor | None = None,
    *,
    aud: str | None = None,
) -> Verification:
    """Check a presentation; never raises for bad input. Audited when `actor` is given."""
    try:
        result = _check(session, text, nonce, aud)
    except Exception as exc:  # untrusted input: any surprise is a malformed presentation
        result = Verification("malformed", type(exc).__name__)
    if actor is not None:
        record(
            session,
            Event(
                "licence.verify",
                actor,
                "licence_presentation",
                result.type_code[:40],
                detail={"outcome": result.outcome, "issuer": result.issuer[:300]},
            ),
        )
    return result
