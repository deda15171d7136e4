"""Mutual recognition: export this platform's issuers as a signed trust list; import others'.

A trust list is a compact JWS (typ `trustlist+jwt`) signed with the platform's own key,
in the spirit of the EU DCC trust lists. The importer must already know the exporter's
public key (exchanged out of band, as the regions sign their recognition agreement).
"""

from __future__ import annotations

import json
import time
from typing import Any

from joserfc import jws
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit.service import Event, record
from onceonly.core.actors import Actor
from onceonly.core.errors import Invalid
from onceonly.core.settings import public_base_url
from onceonly.identity.models import Department
from onceonly.licences.credentials import keys, sdjwt
from onceonly.licences.kinds import LICENCE_TYPES
from onceonly.licences.models import IssuerKey, TrustedIssuer
from onceonly.licences.service import issuer_url

TYP = "trustlist+jwt"


def platform_jwk(session: Session) -> dict[str, Any]:
    return dict(keys.current_key(session, None).public_jwk)


def export_list(session: Session, types: list[str] | None = None) -> str:
    """Every local issuer with its JWKS and the licence types it issues."""
    issuers = []
    dept_ids = session.scalars(
        select(IssuerKey.department_id).where(IssuerKey.department_id.is_not(None)).distinct()
    )
    for dept_id in sorted(d for d in dept_ids if d is not None):
        dept = session.get(Department, dept_id)
        if dept is None:
            continue
        issued = [t.code for t in LICENCE_TYPES.values() if t.issuer_kind == dept.kind]
        if types:
            issued = [t for t in issued if t in types]
        issuers.append(
            {
                "iss": issuer_url(dept),
                "name": dept.name,
                "types": issued,
                "jwks": keys.jwks(session, dept.id),
            }
        )
    payload = {
        "iss": public_base_url(),
        "iat": int(time.time()),
        "issuers": issuers,
    }
    key = keys.current_key(session, None)
    header = {"alg": key.alg, "kid": key.kid, "typ": TYP}
    return jws.serialize_compact(header, json.dumps(payload).encode(), keys.private_key(key))


def import_list(
    session: Session, document: str, exporter_jwk: dict[str, Any], actor: Actor
) -> list[TrustedIssuer]:
    """Verify a trust list with the exporter's key and store (or replace) its issuers."""
    try:
        token = jws.deserialize_compact(document.strip(), sdjwt.import_public(exporter_jwk))
        payload = json.loads(token.payload)
        origin = str(payload["iss"])
        entries = list(payload["issuers"])
    except Exception as exc:  # a bad document of any kind is refused the same way
        raise Invalid("the trust list is not signed by that key", code="bad-trust-list") from exc
    if token.protected.get("typ") != TYP:
        raise Invalid("not a trust list", code="bad-trust-list")
    stored = [_store(session, origin, entry) for entry in entries]
    record(
        session,
        Event(
            "licence.trust_import",
            actor,
            "trust_list",
            origin[:120],
            detail={"issuers": len(stored)},
        ),
    )
    return stored


def _store(session: Session, origin: str, entry: dict[str, Any]) -> TrustedIssuer:
    iss = str(entry["iss"])
    row = session.scalar(select(TrustedIssuer).where(TrustedIssuer.iss == iss))
    if row is None:
        row = TrustedIssuer(iss=iss, origin=origin)
        session.add(row)
    row.name = str(entry.get("name", ""))[:200]
    row.origin = origin
    row.jwks = {"keys": list(entry["jwks"]["keys"])}
    row.types = [str(t) for t in entry.get("types", [])]
    session.flush()
    return row
