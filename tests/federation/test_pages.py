"""The operators' federation page on a running node: peers with their health, traffic
both ways, and a peer imported from the page itself (fingerprint checked)."""

from __future__ import annotations

from contextlib import closing

import httpx
import pytest

from onceonly.demo.province import DEMO_PASSWORD
from onceonly.federation.trust import messages
from tests.federation.conftest import Node
from tests.helpers import CSRF

# One pair of servers per backend for the whole run: keep these tests on one worker.
pytestmark = pytest.mark.xdist_group("federation")


def _signed_in(node: Node, username: str) -> httpx.Client:
    http = httpx.Client(base_url=node.url, timeout=10, follow_redirects=False)
    token = CSRF.search(http.get("/sign-in").text)
    assert token is not None
    reply = http.post("/sign-in", data={"username": username, "password": DEMO_PASSWORD,
                                         "csrf_token": token.group(1)})  # fmt: skip
    assert reply.status_code == 303, reply.text
    return http


def test_the_operator_sees_peers_health_and_traffic(nodes: dict[str, Node]) -> None:
    a, b = nodes["A"], nodes["B"]
    http = _signed_in(b, "dsb.platform")
    with closing(http):
        http.cookies.set("lang", "en")
        page = http.get("/console/federation")
        assert page.status_code == 200
        assert "CN-330000" in page.text and a.url in page.text
        assert "answering" in page.text and "not answering" not in page.text
        with b.db.session() as session:
            assert messages.thumbprint(messages.current_key(session).public_jwk) in page.text

        # A wrong fingerprint is refused with a readable message, nothing is stored.
        form = CSRF.search(page.text)
        assert form is not None
        data = {"url": a.url, "fingerprint": "not-the-right-one", "csrf_token": form.group(1)}
        wrong = http.post("/console/federation/peers", data=data)
        assert wrong.status_code == 403
        assert "fingerprint" in wrong.text


def test_an_auditor_may_look_but_not_import(nodes: dict[str, Node]) -> None:
    http = _signed_in(nodes["A"], "dsb.auditor")
    with closing(http):
        page = http.get("/console/federation")
        assert page.status_code == 200 and "CN-340000" in page.text
        assert 'action="/console/federation/peers"' not in page.text
        token = CSRF.search(page.text)
        assert token is not None
        reply = http.post("/console/federation/peers", data={
            "url": nodes["B"].url, "fingerprint": "x", "csrf_token": token.group(1)})  # fmt: skip
        assert reply.status_code == 403
