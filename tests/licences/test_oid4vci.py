"""OpenID4VCI, pre-authorised code flow: the holder's own wallet (here: joserfc for its
key and proof, and the IETF reference `sd_jwt` holder and verifier) takes a licence."""

from __future__ import annotations

import html
import json
import re
import time
from urllib.parse import parse_qs, urlparse

from joserfc import jws
from joserfc.jwk import ECKey
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from tests.helpers import csrf_from, sign_in_citizen

from .test_interop import _verifier_from_jwks


def _proof(key: ECKey, aud: str, nonce: str) -> dict[str, str]:
    header = {"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": key.as_dict(private=False)}
    claims = {"aud": aud, "nonce": nonce, "iat": int(time.time())}
    return {"proof_type": "jwt", "jwt": jws.serialize_compact(header, json.dumps(claims), key)}


def test_wallet_takes_a_licence_by_credential_offer(demo_client, issued) -> None:  # type: ignore[no-untyped-def]
    sign_in_citizen(demo_client, issued.holder)
    page = demo_client.post(
        f"/portal/licences/{issued.serial}/offer",
        data={"csrf_token": csrf_from(demo_client, "/portal/licences")},
    )
    assert page.status_code == 200 and "<svg" in page.text
    uri = html.unescape(re.search(r'href="(openid-credential-offer://[^"]+)"', page.text)[1])
    offer = json.loads(parse_qs(urlparse(uri).query)["credential_offer"][0])
    assert offer["credential_configuration_ids"] == ["resident_id"]
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]

    issuer = demo_client.get("/.well-known/openid-credential-issuer").json()
    assert issuer["credential_issuer"] == offer["credential_issuer"]
    assert issuer["credential_configurations_supported"]["resident_id"]["format"] == "dc+sd-jwt"
    server = demo_client.get("/.well-known/oauth-authorization-server").json()
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": code["pre-authorized_code"],
    }
    token = demo_client.post(urlparse(server["token_endpoint"]).path, data=form).json()
    again = demo_client.post(urlparse(server["token_endpoint"]).path, data=form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    wallet = ECKey.generate_key("P-256")
    endpoint = urlparse(issuer["credential_endpoint"]).path
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    stale = demo_client.post(
        endpoint,
        json={"proof": _proof(wallet, issuer["credential_issuer"], "other")},
        headers=bearer,
    )
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_nonce"
    body = {
        "credential_configuration_id": "resident_id",
        "proof": _proof(wallet, issuer["credential_issuer"], token["c_nonce"]),
    }
    issued_now = demo_client.post(endpoint, json=body, headers=bearer)
    assert issued_now.status_code == 200, issued_now.text
    credential = issued_now.json()["credentials"][0]["credential"]
    assert demo_client.post(endpoint, json=body, headers=bearer).status_code == 401  # once

    # The wallet presents it with its own key; the reference verifier and ours accept it.
    holder_key = JWK.from_json(json.dumps(wallet.as_dict(private=True)))
    holder = SDJWTHolder(credential)
    holder.create_presentation({"name": True}, nonce="n-1", aud="bank-a", holder_key=holder_key)
    presentation = holder.sd_jwt_presentation
    issuer_key = _verifier_from_jwks(demo_client, issued.ps_code)
    claims = SDJWTVerifier(
        presentation, issuer_key, expected_aud="bank-a", expected_nonce="n-1"
    ).get_verified_payload()
    assert claims["name"] and "address" not in claims
    assert claims["cnf"]["jwk"]["x"] == wallet.as_dict(private=False)["x"]
    ours = demo_client.post(
        "/api/licences/verify", json={"presentation": presentation, "nonce": "n-1", "aud": "bank-a"}
    ).json()
    assert ours["outcome"] == "valid", ours
