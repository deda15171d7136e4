"""Verifier-initiated presentation (OpenID4VP style): a bank asks, the holder approves in
the portal, the bank receives the presentation at its response_uri and checks it with
the IETF reference library (`sd_jwt`); it fails at another verifier and on a new nonce."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sd_jwt.verifier import SDJWTVerifier

from onceonly.licences.presentation import service as verifiers
from tests.helpers import csrf_from, sign_in_citizen

from .test_interop import _verifier_from_jwks


@pytest.fixture
def bank() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """The verifier's own response endpoint: a real HTTP server that keeps what it gets
    and answers as an OpenID4VP verifier may, with where to send the holder next."""
    forms: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            forms.append({k: v[0] for k, v in parse_qs(body).items()})
            answer = b'{"redirect_uri": "https://bank.example/done"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/openid4vp/response", forms
    server.shutdown()


def _ask(client, key: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"type_code": "resident_id", "claims": ["name", "birth_date"], **extra}
    response = client.post(
        "/api/licences/vp/requests", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_verifier_request_approved_in_portal_and_bound_to_that_verifier(
    demo_client, demo_db, issued, bank
) -> None:  # type: ignore[no-untyped-def]
    response_uri, received = bank
    with demo_db.session() as session:
        _, bank_key = verifiers.register(session, "bank-a", "Bank A", response_uri)
        _, other_key = verifiers.register(session, "bank-b", "Bank B", response_uri)
    asked = _ask(demo_client, bank_key, purpose="Opening an account")
    assert asked["client_id"] == "bank-a" and asked["response_mode"] == "direct_post"
    assert asked["qr_svg"].lstrip().startswith("<?xml") or "<svg" in asked["qr_svg"]
    refused = demo_client.post(
        "/api/licences/vp/requests",
        json={"type_code": "resident_id", "claims": ["name"]},
        headers={"Authorization": "Bearer oo_00000000_nope"},
    )
    assert refused.status_code == 401

    sign_in_citizen(demo_client, issued.holder)
    path = urlparse(asked["request_url"]).path
    page = demo_client.get(path)
    assert "Bank A" in page.text and "Opening an account" in page.text
    approved = demo_client.post(
        f"{path}/approve",
        data={"serial": issued.serial, "csrf_token": csrf_from(demo_client, path)},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert approved.headers["location"] == "https://bank.example/done"
    (form,) = received
    assert form["state"] == asked["request_id"]
    vp_token = form["vp_token"]

    issuer_key = _verifier_from_jwks(demo_client, issued.ps_code)
    claims = SDJWTVerifier(
        vp_token, issuer_key, expected_aud="bank-a", expected_nonce=asked["nonce"]
    ).get_verified_payload()
    assert claims["name"] and claims["birth_date"] and "address" not in claims
    with pytest.raises(Exception):  # noqa: B017 - replayed to another verifier: wrong aud
        SDJWTVerifier(vp_token, issuer_key, expected_aud="bank-b", expected_nonce=asked["nonce"])
    second = _ask(demo_client, bank_key)
    with pytest.raises(Exception):  # noqa: B017 - replayed to a new request: wrong nonce
        SDJWTVerifier(vp_token, issuer_key, expected_aud="bank-a", expected_nonce=second["nonce"])

    # The platform's verify API checks aud too; the answered request cannot be reused.
    check = {"presentation": vp_token, "nonce": asked["nonce"]}
    ok = demo_client.post("/api/licences/verify", json={**check, "aud": "bank-a"}).json()
    assert ok["outcome"] == "valid"
    replay = demo_client.post("/api/licences/verify", json={**check, "aud": "bank-b"}).json()
    assert replay["outcome"] == "wrong_audience"
    again = demo_client.post(
        f"{path}/approve",
        data={"serial": issued.serial, "csrf_token": csrf_from(demo_client, path)},
    )
    assert again.status_code == 409
    other = _ask(demo_client, other_key)
    declined = demo_client.post(
        urlparse(other["request_url"]).path + "/decline",
        data={"csrf_token": csrf_from(demo_client, path)},
        follow_redirects=False,
    )
    assert declined.status_code == 303 and received[-1]["error"] == "access_denied"
