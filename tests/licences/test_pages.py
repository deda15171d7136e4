"""Holder wallet and the public verifier page."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from tests.helpers import csrf_from, sign_in_citizen


def test_wallet_present_and_verify(demo_client, issued) -> None:
    sign_in_citizen(demo_client, issued.holder)
    page = demo_client.get("/portal/licences")
    assert page.status_code == 200 and issued.serial in page.text
    token = csrf_from(demo_client, "/portal/licences")
    shown = demo_client.post(
        f"/portal/licences/{issued.serial}/present",
        data={"csrf_token": token, "claims": ["name"]},
    )
    assert shown.status_code == 200 and "<svg" in shown.text
    link = unescape(re.search(r'href="(http[^"]+/verify\?p=[^"]+)"', shown.text).group(1))
    parts = urlsplit(link)
    verified = demo_client.get(f"{parts.path}?{parts.query}")
    assert 'data-outcome="valid"' in verified.text


def test_verify_page_public_and_robust(demo_client) -> None:
    token = csrf_from(demo_client, "/verify")
    response = demo_client.post("/verify", data={"csrf_token": token, "presentation": "~~~"})
    assert response.status_code == 200 and 'data-outcome="malformed"' in response.text
    assert demo_client.get("/verify?p=%00garbage").status_code == 200


def test_wallet_needs_sign_in(demo_client) -> None:
    assert demo_client.get("/portal/licences", follow_redirects=False).status_code in (
        302,
        303,
        401,
    )
