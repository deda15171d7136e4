"""OpenID for Verifiable Credential Issuance, pre-authorised code flow: a holder takes a
licence into their own wallet.

The holder asks in the portal for an offer of one licence; its QR code carries
`openid-credential-offer://?credential_offer=…` with a one-time pre-authorised code. The
wallet trades the code at the token endpoint for an access token and a `c_nonce`, then
asks the credential endpoint with a proof JWT (its key, `aud` = this issuer, that
nonce). It gets the same licence (same issuer, claims, expiry and status-list entry, so
a revocation reaches it too) bound to the wallet's key instead of the cloud wallet's.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from joserfc import jws
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit.service import Event, record
from onceonly.core.actors import Actor
from onceonly.core.crypto import hash_api_key
from onceonly.core.db import utcnow
from onceonly.core.settings import public_base_url
from onceonly.licences import service
from onceonly.licences.credentials import keys, sdjwt
from onceonly.licences.kinds import LICENCE_TYPES
from onceonly.licences.models import CredentialOffer, IssuerKey, Licence

GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
OFFER_TTL = timedelta(minutes=10)
TOKEN_TTL = timedelta(minutes=5)
PROOF_AGE = 300  # seconds


class OAuthError(Exception):
    """An error in OAuth's form (`{"error", "error_description"}`, 400 or 401)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def issuer_metadata() -> dict[str, Any]:
    base = public_base_url()
    return {
        "credential_issuer": base,
        "credential_endpoint": f"{base}/oid4vci/credential",
        "display": [{"name": "onceonly", "locale": "en"}, {"name": "一次办", "locale": "zh-CN"}],
        "credential_configurations_supported": {
            code: {
                "format": "dc+sd-jwt",
                "vct": kind.vct,
                "cryptographic_binding_methods_supported": ["jwk"],
                "credential_signing_alg_values_supported": ["ES256"],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": ["ES256", "EdDSA"]}
                },
                "display": [
                    {"name": kind.name_en, "locale": "en"},
                    {"name": kind.name, "locale": "zh-CN"},
                ],
            }
            for code, kind in LICENCE_TYPES.items()
        },
    }


def authorization_metadata() -> dict[str, Any]:
    base = public_base_url()
    return {
        "issuer": base,
        "token_endpoint": f"{base}/oid4vci/token",
        "grant_types_supported": [GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def create_offer(session: Session, licence: Licence, holder: Actor) -> tuple[dict[str, Any], str]:
    """(the credential offer, its `openid-credential-offer://` URI for the QR code)."""
    code = secrets.token_urlsafe(32)
    session.add(
        CredentialOffer(
            licence_id=licence.id, code_hash=hash_api_key(code), expires_at=utcnow() + OFFER_TTL
        )
    )
    record(
        session,
        Event(
            "licence.offer",
            holder,
            "licence",
            licence.serial,
            subject_id_number=licence.holder_code,
        ),
    )
    offer = {
        "credential_issuer": public_base_url(),
        "credential_configuration_ids": [licence.type_code],
        "grants": {GRANT: {"pre-authorized_code": code}},
    }
    uri = "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))
    return offer, uri


def token(session: Session, grant_type: str, code: str) -> dict[str, Any]:
    if grant_type != GRANT:
        raise OAuthError("unsupported_grant_type", "only the pre-authorized code grant")
    offer = session.scalar(
        select(CredentialOffer).where(CredentialOffer.code_hash == hash_api_key(code))
    )
    if offer is None or offer.status != "offered" or offer.expires_at < utcnow():
        raise OAuthError("invalid_grant", "the code is unknown, used or expired")
    access_token, c_nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
    offer.status, offer.token_hash, offer.c_nonce = "token", hash_api_key(access_token), c_nonce
    offer.expires_at = utcnow() + TOKEN_TTL
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_TTL.total_seconds()),
        "c_nonce": c_nonce,
        "c_nonce_expires_in": int(TOKEN_TTL.total_seconds()),
    }


def _proof_key(proof_jwt: str, c_nonce: str) -> dict[str, Any]:
    """The wallet's public JWK from a valid proof JWT."""
    try:
        header = json.loads(sdjwt.unb64(proof_jwt.split(".")[0]))
        jwk = header["jwk"]
        verified = jws.deserialize_compact(proof_jwt, sdjwt.import_public(jwk))
        claims = json.loads(verified.payload)
    except Exception:  # an untrusted token: any failure is an invalid proof
        raise OAuthError("invalid_proof", "the proof JWT is not valid") from None
    if header.get("typ") != PROOF_TYP or "d" in jwk:
        raise OAuthError("invalid_proof", f"the proof needs typ {PROOF_TYP} and a public jwk")
    if claims.get("aud") != public_base_url() or claims.get("nonce") != c_nonce:
        raise OAuthError("invalid_nonce", "the proof's aud or nonce is not this offer's")
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(time.time() - iat) > PROOF_AGE:
        raise OAuthError("invalid_proof", "the proof is not fresh")
    return dict(jwk)


def credential(session: Session, access_token: str, body: dict[str, Any]) -> dict[str, Any]:
    offer = session.scalar(
        select(CredentialOffer).where(CredentialOffer.token_hash == hash_api_key(access_token))
    )
    if offer is None or offer.status != "token" or offer.expires_at < utcnow():
        raise OAuthError("invalid_token", "the access token is unknown, used or expired", 401)
    licence = session.get(Licence, offer.licence_id)
    assert licence is not None  # the foreign key holds it
    wanted = body.get("credential_configuration_id")
    if wanted is not None and wanted != licence.type_code:
        raise OAuthError("invalid_credential_request", "this offer is for another credential")
    proof = body.get("proof") or {}
    if not isinstance(proof, dict) or proof.get("proof_type") != "jwt":
        raise OAuthError("invalid_proof", "a proof of type jwt is needed")
    wallet_jwk = _proof_key(str(proof.get("jwt", "")), offer.c_nonce)
    offer.status = "issued"
    record(
        session,
        Event("licence.issue_to_wallet", Actor.public(), "licence", licence.serial,
              subject_id_number=licence.holder_code),
    )  # fmt: skip
    return {"credentials": [{"credential": rebind(session, licence, wallet_jwk)}]}


def rebind(session: Session, licence: Licence, wallet_jwk: dict[str, Any]) -> str:
    """The licence signed again with the same claims, bound to the wallet's key."""
    parsed = sdjwt.parse(licence.credential)
    claims = sdjwt.disclosed_claims(parsed) or {}
    claims["cnf"] = {"jwk": wallet_jwk}
    key = session.scalar(select(IssuerKey).where(IssuerKey.kid == licence.kid))
    if key is None or key.retired_at is not None:
        key = keys.current_key(session, licence.issuer_department_id)
    kind = service.licence_type(licence.type_code)
    return sdjwt.issue(
        claims, set(kind.selective()), keys.private_key(key), {"alg": key.alg, "kid": key.kid}
    )
