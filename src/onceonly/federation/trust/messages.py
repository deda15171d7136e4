"""This node's signing key and the signed messages between nodes (compact JWS, Ed25519).

Message types, each a JWS whose `typ` says what it is:
- `oo-node+jwt`: a node descriptor, signed with the key it publishes;
- `oo-fedreq+jwt`: a query (who, what, purpose, case reference, time, nonce);
- `oo-fedcase+jwt`: a 跨省通办 case routed to the applicant's home province;
- `oo-fedresult+jwt`: that case's decision and e-licence, sent back;
- `oo-fedres+jwt`: the answer to any of the last three, bound to it by its id and hash.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from functools import lru_cache
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.crypto import seal, unseal
from onceonly.core.db import utcnow
from onceonly.core.errors import Unauthorized
from onceonly.core.settings import get_settings
from onceonly.federation.models import NodeKey

ALG = "Ed25519"  # RFC 9864's fully specified name for EdDSA over Ed25519
ALGORITHMS = [ALG]
SEAL_PURPOSE = "federation:node-key"
DESCRIPTOR = "oo-node+jwt"
REQUEST = "oo-fedreq+jwt"
RESPONSE = "oo-fedres+jwt"
CASE = "oo-fedcase+jwt"  # a routed 跨省通办 case, to the home province
RESULT = "oo-fedresult+jwt"  # its decision (and e-licence), back to the applying one


def create_key(session: Session) -> NodeKey:
    """A new current key; earlier ones are retired but stay in the descriptor's JWKS
    until peers have re-imported it."""
    for old in session.scalars(select(NodeKey).where(NodeKey.retired_at.is_(None))):
        old.retired_at = utcnow()
    key = OKPKey.generate_key("Ed25519")
    kid = secrets.token_urlsafe(12)
    public = key.as_dict(private=False)
    public.update({"kid": kid, "alg": ALG, "use": "sig"})
    sealed = seal(
        get_settings().master_key_bytes(),
        f"{SEAL_PURPOSE}:{kid}",
        json.dumps(key.as_dict(private=True)).encode(),
    )
    row = NodeKey(kid=kid, public_jwk=public, sealed_private=sealed)
    session.add(row)
    session.flush()
    return row


def current_key(session: Session) -> NodeKey:
    row = session.scalars(
        select(NodeKey).where(NodeKey.retired_at.is_(None)).order_by(NodeKey.id.desc())
    ).first()
    return row if row is not None else create_key(session)


def public_keys(session: Session) -> dict[str, list[dict[str, Any]]]:
    return {"keys": [dict(r.public_jwk) for r in session.scalars(select(NodeKey))]}


@lru_cache(maxsize=16)
def _unsealed(master: bytes, kid: str, sealed: str) -> OKPKey:
    return OKPKey.import_key(json.loads(unseal(master, f"{SEAL_PURPOSE}:{kid}", sealed)))


def sign(session: Session, typ: str, payload: dict[str, Any]) -> str:
    row = current_key(session)
    key = _unsealed(get_settings().master_key_bytes(), row.kid, row.sealed_private)
    header = {"alg": ALG, "kid": row.kid, "typ": typ}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return jws.serialize_compact(header, body, key, algorithms=ALGORITHMS)


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint: what operators compare when they import a descriptor."""
    return OKPKey.import_key(jwk).thumbprint()


def peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a JWS, not yet verified (to find out who claims to send it)."""
    try:
        obj = jws.extract_compact(token.strip().encode())
        payload = json.loads(obj.payload)
    except (JoseError, ValueError, UnicodeDecodeError) as exc:
        raise Unauthorized(
            "the message is not a signed compact JWS", code="unsigned-message"
        ) from exc
    if not isinstance(payload, dict):
        raise Unauthorized("the signed payload is not a JSON object", code="unsigned-message")
    return dict(obj.protected), payload


def verify(token: str, jwks: dict[str, Any], typ: str) -> dict[str, Any]:
    """The payload, if `token` is a `typ` message signed by one of `jwks`; else a 401."""
    try:
        keyset = KeySet.import_key_set({"keys": list(jwks.get("keys", []))})
        obj = jws.deserialize_compact(token.strip(), keyset, algorithms=ALGORITHMS)
        payload = json.loads(obj.payload)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise Unauthorized(
            "the signature does not verify with the sender's published keys",
            code="bad-signature",
        ) from exc
    if obj.protected.get("typ") != typ:
        raise Unauthorized(f"expected a {typ} message", code="wrong-message-type")
    return dict(payload)


def digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(18)
