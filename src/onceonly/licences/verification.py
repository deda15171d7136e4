"""Verify a licence presentation: signature, disclosures, key binding, freshness, status.

Any verifier calls `verify_presentation` (the public API and page, other domains); it
never raises for bad input. No HTTP here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit.service import Event, record
from onceonly.core.actors import Actor
from onceonly.core.settings import public_base_url
from onceonly.identity.models import Department
from onceonly.licences.credentials import keys, sdjwt
from onceonly.licences.models import Licence, TrustedIssuer

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


def forget_statuses() -> None:
    """Drop the cached status lists: a status changed in this process shows at once."""
    _status_cache.clear()


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
