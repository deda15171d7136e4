"""The IETF reference implementation (`sd_jwt`) verifies our licences from the JWKS alone."""

from __future__ import annotations

import json

import pytest
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier

from onceonly.licences.credentials import sdjwt

from .conftest import get_licence
from .test_issue_verify import _tamper_disclosure, present


def _verifier_from_jwks(client, ps_code: str):  # type: ignore[no-untyped-def]
    metadata = client.get(f"/.well-known/jwt-vc-issuer/issuers/{ps_code}").json()
    assert client.get(f"/issuers/{ps_code}/jwks.json").json() == metadata["jwks"]
    published = {k["kid"]: k for k in metadata["jwks"]["keys"]}

    def issuer_key(iss: str, header: dict) -> JWK:  # type: ignore[type-arg]
        assert iss == metadata["issuer"]
        return JWK.from_json(json.dumps(published[header["kid"]]))

    return issuer_key


def test_reference_verifier_accepts_and_rejects(demo_client, demo_db, issued) -> None:
    issuer_key = _verifier_from_jwks(demo_client, issued.ps_code)
    with demo_db.session() as session:
        text = present(session, issued, ("name", "gender"), nonce="abc")
    verified = SDJWTVerifier(text, issuer_key, expected_aud="any", expected_nonce="abc")
    claims = verified.get_verified_payload()
    assert claims["name"] and claims["gender"] in ("M", "F", "男", "女", "1", "2")
    assert "id_number" not in claims and "address" not in claims
    assert claims["vct"] == "urn:onceonly:licence:resident_id"

    with pytest.raises(Exception):  # noqa: B017 - the reference raises ValueError or jwcrypto's
        SDJWTVerifier(
            _tamper_disclosure(text), issuer_key, expected_aud="any", expected_nonce="abc"
        )


def test_reference_verifier_full_credential(demo_client, demo_db, issued) -> None:
    issuer_key = _verifier_from_jwks(demo_client, issued.ps_code)
    with demo_db.session() as session:
        credential = get_licence(session, issued.serial).credential
    claims = SDJWTVerifier(credential, issuer_key).get_verified_payload()
    assert set(claims) >= {"id_number", "name", "gender", "birth_date", "address"}
    assert claims["id_number"] == issued.holder
    # Altering the signed payload breaks the issuer signature in the reference too.
    jwt, rest = credential.split("~", 1)
    h, body, s = jwt.split(".")
    payload = json.loads(sdjwt.unb64(body))
    payload["vct"] = "urn:onceonly:licence:business_licence"
    forged = ".".join([h, sdjwt.b64(json.dumps(payload).encode()), s]) + "~" + rest
    with pytest.raises(Exception):  # noqa: B017
        SDJWTVerifier(forged, issuer_key)
