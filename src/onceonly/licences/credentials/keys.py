"""Issuer signing keys (sealed at rest, rotated by kid) and holders' cloud-wallet keys."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.crypto import derive_key, seal, unseal
from onceonly.core.db import utcnow
from onceonly.core.settings import get_settings
from onceonly.licences.models import IssuerKey

ALG = "ES256"
SEAL_PURPOSE = "licences:issuer-key"
_P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)


def _pem(private: ec.EllipticCurvePrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def create_key(session: Session, department_id: int | None) -> IssuerKey:
    """A new current key; the previous one is retired but stays in the JWKS."""
    for old in session.scalars(_current_query(department_id)):
        old.retired_at = utcnow()
    private = ec.generate_private_key(ec.SECP256R1())
    kid = secrets.token_urlsafe(12)
    jwk = ECKey.import_key(_pem(private)).as_dict(private=False)
    jwk.update({"kid": kid, "alg": ALG, "use": "sig"})
    sealed = seal(get_settings().master_key_bytes(), SEAL_PURPOSE + ":" + kid, _pem(private))
    row = IssuerKey(
        department_id=department_id, kid=kid, alg=ALG, public_jwk=jwk, sealed_private=sealed
    )
    session.add(row)
    session.flush()
    return row


def _current_query(department_id: int | None) -> Any:
    query = select(IssuerKey).where(IssuerKey.retired_at.is_(None))
    if department_id is None:
        return query.where(IssuerKey.department_id.is_(None))
    return query.where(IssuerKey.department_id == department_id)


def current_key(session: Session, department_id: int | None) -> IssuerKey:
    row = session.scalars(_current_query(department_id).order_by(IssuerKey.id.desc())).first()
    return row if row is not None else create_key(session, department_id)


@lru_cache(maxsize=256)
def _unsealed(master: bytes, kid: str, sealed: str) -> ECKey:
    return ECKey.import_key(unseal(master, SEAL_PURPOSE + ":" + kid, sealed))


def private_key(row: IssuerKey) -> ECKey:
    return _unsealed(get_settings().master_key_bytes(), row.kid, row.sealed_private)


def jwks(session: Session, department_id: int | None) -> dict[str, list[dict[str, str]]]:
    query = select(IssuerKey).order_by(IssuerKey.id)
    if department_id is None:
        query = query.where(IssuerKey.department_id.is_(None))
    else:
        query = query.where(IssuerKey.department_id == department_id)
    return {"keys": [dict(row.public_jwk) for row in session.scalars(query)]}


@lru_cache(maxsize=4096)
def _holder_key(master: bytes, holder_code: str) -> ECKey:
    # The platform's cloud wallet: a holder's key is derived, never stored, so it
    # exists for every person without a table and cannot leak from the database.
    seed = int.from_bytes(derive_key(master, "licences:holder:" + holder_code, 40), "big")
    private = ec.derive_private_key(seed % (_P256_ORDER - 1) + 1, ec.SECP256R1())
    return ECKey.import_key(_pem(private))


def holder_key(holder_code: str) -> ECKey:
    return _holder_key(get_settings().master_key_bytes(), holder_code.upper())
