"""Sessions live in the database: the cookie is an opaque id, sign-out and a password
change end them, the id rotates at sign-in, they time out, and they work across
app processes. Cross-site unsafe requests are refused; every answer has the headers."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from onceonly.app import create_app
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.sessions import COOKIE, WebSession
from onceonly.identity import service as identity
from onceonly.identity.models import Person, User
from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff

NOTIFICATIONS = "/api/v1/services/notifications"
STAFF = "dsb.platform"


def _resident(client: TestClient) -> Person:
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        person = session.scalars(select(Person).order_by(Person.id).limit(1)).one()
        session.expunge(person)
    return person


def _replay(client: TestClient, cookie: str, path: str) -> int:
    """A request from someone holding a copy of an earlier cookie."""
    other = TestClient(client.app)
    other.cookies.set(COOKIE, cookie)
    return other.get(path).status_code


def test_the_cookie_holds_no_personal_data(demo_client) -> None:  # type: ignore[no-untyped-def]
    person = _resident(demo_client)
    sign_in_citizen(demo_client, person.id_number)
    cookie = demo_client.cookies[COOKIE]
    padded = cookie + "=" * (-len(cookie) % 4)
    decoded = base64.urlsafe_b64decode(padded.encode())
    assert len(decoded) == 32  # 32 random bytes, nothing else
    for secret in (person.id_number.encode(), person.name.encode(), b"csrf"):
        assert secret not in decoded and secret not in cookie.encode()
    assert demo_client.get(NOTIFICATIONS).status_code == 200


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in_citizen(demo_client, _resident(demo_client).id_number)
    saved = demo_client.cookies[COOKIE]
    assert _replay(demo_client, saved, NOTIFICATIONS) == 200
    token = csrf_from(demo_client, "/portal")
    demo_client.post("/portal/sign-out", data={"csrf_token": token})
    assert _replay(demo_client, saved, NOTIFICATIONS) == 401
    assert _replay(demo_client, saved, "/api/v1/sharing/grants") == 401


def test_the_id_rotates_at_sign_in(demo_client) -> None:  # type: ignore[no-untyped-def]
    csrf_from(demo_client, "/portal/sign-in")  # an anonymous session with a CSRF token
    before = demo_client.cookies[COOKIE]
    sign_in_citizen(demo_client, _resident(demo_client).id_number)
    after = demo_client.cookies[COOKIE]
    assert before != after
    assert _replay(demo_client, before, NOTIFICATIONS) == 401  # a planted id stays anonymous
    assert _replay(demo_client, after, NOTIFICATIONS) == 200


def test_a_password_change_ends_the_accounts_sessions(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, STAFF)
    saved = demo_client.cookies[COOKIE]
    assert _replay(demo_client, saved, "/api/v1/catalog/needs") == 200
    with demo_client.app.state.db.session() as session:
        user = session.scalars(select(User).where(User.username == STAFF)).one()
        ended = identity.set_password(session, user, "a-new-password-2026", Actor.system("test"))
    assert ended >= 1
    assert _replay(demo_client, saved, "/api/v1/catalog/needs") == 401


def test_an_idle_session_ends(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in_citizen(demo_client, _resident(demo_client).id_number)
    assert demo_client.get(NOTIFICATIONS).status_code == 200
    idle = demo_client.app.state.settings.session_idle
    with demo_client.app.state.db.session() as session:
        session.execute(
            update(WebSession).values(last_seen_at=utcnow() - timedelta(seconds=idle + 5))
        )
    assert demo_client.get(NOTIFICATIONS).status_code == 401


def test_a_session_works_across_app_processes(demo_settings, demo_client) -> None:  # type: ignore[no-untyped-def]
    """Two app instances share nothing but the database, as two worker processes."""
    with TestClient(create_app(demo_settings)) as second:
        sign_in_citizen(demo_client, _resident(demo_client).id_number)
        second.cookies.set(COOKIE, demo_client.cookies[COOKIE])
        assert second.get(NOTIFICATIONS).status_code == 200
        token = csrf_from(second, "/portal")
        second.post("/portal/sign-out", data={"csrf_token": token})
        assert demo_client.get(NOTIFICATIONS).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"referer": "https://evil.example/page"},
        {"sec-fetch-site": "cross-site"},
    ],
)
def test_a_cross_site_form_is_refused_even_with_a_valid_token(demo_client, headers) -> None:  # type: ignore[no-untyped-def]
    sign_in_citizen(demo_client, _resident(demo_client).id_number)
    token = csrf_from(demo_client, "/portal")
    refused = demo_client.post("/portal/sign-out", data={"csrf_token": token}, headers=headers)
    assert refused.status_code == 403
    assert demo_client.get(NOTIFICATIONS).status_code == 200  # still signed in
    same = {"origin": "http://testserver", "referer": "http://testserver/portal"}
    ok = demo_client.post(
        "/portal/sign-out", data={"csrf_token": token}, headers=same, follow_redirects=False
    )
    assert ok.status_code == 303


def test_security_headers_on_every_kind_of_answer(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/api/v1/no-such-thing", "/static/onceonly.css", "/openapi.json"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
    big = client.post("/api/v1/identifiers/citizen-id", content=b"x" * (2 << 20))
    assert big.status_code == 413 and big.headers["x-frame-options"] == "DENY"
