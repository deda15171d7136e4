"""A staff member changes their own password (issue 20): the current one is proved, the
new one must be hard to guess, the account's other sessions end and this one stays, the
change is audited; with `force_password_change` an account still holding the password
it was given is sent to the form at sign-in and kept there until it has chosen its own."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onceonly.app import create_app
from onceonly.audit.models import AuditEntry
from onceonly.core.sessions import COOKIE
from onceonly.demo.province import DEMO_PASSWORD
from onceonly.identity.models import User
from tests.helpers import csrf_from, sign_in_staff

STAFF = "dsb.platform"
PAGE = "/account/password"
GOOD = "lantern quietly orbits marmalade"


def _change(client: TestClient, current: str, new: str, repeat: str | None = None) -> Any:
    data = {
        "current_password": current,
        "new_password": new,
        "repeat_password": new if repeat is None else repeat,
        "csrf_token": csrf_from(client, PAGE),
    }
    return client.post(PAGE, data=data, follow_redirects=False)


@pytest.mark.parametrize(
    ("current", "new", "repeat", "status", "says"),
    [
        ("not-my-password", GOOD, None, 401, "current password is wrong"),
        (DEMO_PASSWORD, GOOD, GOOD + "x", 422, "two new passwords differ"),
        (DEMO_PASSWORD, "short1!", None, 422, "at least 10 characters"),
        (DEMO_PASSWORD, "x" * 129, None, 422, "at most 128 characters"),
        (DEMO_PASSWORD, "password1234", None, 422, "Too easy to guess"),
        (DEMO_PASSWORD, "dsb.platform2026", None, 422, "Too easy to guess"),
        (DEMO_PASSWORD, DEMO_PASSWORD, None, 422, "other than the current one"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(  # type: ignore[no-untyped-def]
    demo_client, current, new, repeat, status, says
) -> None:
    demo_client.get("/prefs?lang=en&next=/")
    sign_in_staff(demo_client, STAFF)
    response = _change(demo_client, current, new, repeat)
    assert response.status_code == status
    assert says in response.text and 'role="alert"' in response.text
    assert demo_client.get("/workbench").status_code == 200  # still signed in
    sign_in_staff(TestClient(demo_client.app), STAFF, DEMO_PASSWORD)  # the old one holds


def test_five_wrong_current_passwords_sign_the_session_out(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, STAFF)
    for _ in range(4):
        assert _change(demo_client, "not-my-password", GOOD).status_code == 401
    fifth = _change(demo_client, "not-my-password", GOOD)
    assert fifth.status_code == 303 and fifth.headers["location"] == "/sign-in"
    assert demo_client.get("/workbench", follow_redirects=False).status_code != 200
    sign_in_staff(demo_client, STAFF)  # the password itself is unchanged
    assert _change(demo_client, "not-my-password", GOOD).status_code == 401  # counted anew


def test_a_change_ends_the_other_sessions_keeps_this_one_and_is_audited(demo_client) -> None:  # type: ignore[no-untyped-def]
    elsewhere = TestClient(demo_client.app)
    sign_in_staff(elsewhere, STAFF)
    sign_in_staff(demo_client, STAFF)
    assert elsewhere.get("/workbench").status_code == 200
    response = _change(demo_client, DEMO_PASSWORD, GOOD)
    assert response.status_code == 303 and response.headers["location"] == "/workbench"
    assert demo_client.get("/workbench").status_code == 200  # this session stays
    assert elsewhere.get("/workbench").status_code == 401  # ended
    assert elsewhere.cookies.get(COOKIE) is None
    fresh = TestClient(demo_client.app)
    sign_in_staff(fresh, STAFF, GOOD)
    with demo_client.app.state.db.session() as session:
        user = session.scalars(select(User).where(User.username == STAFF)).one()
        assert user.password_changed_at is not None
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.password")
        ).one()
        assert entry.object_id == str(user.id) and entry.detail["sessions_ended"] == 1
        assert GOOD not in str(entry.detail)


def test_a_forced_change_comes_before_anything_else(demo_settings, demo_db) -> None:  # type: ignore[no-untyped-def]
    forced = demo_settings.model_copy(update={"force_password_change": True})
    with TestClient(create_app(forced, demo_db)) as client:
        client.get("/prefs?lang=en&next=/")
        token = csrf_from(client)
        response = client.post(
            "/sign-in",
            data={"username": STAFF, "password": DEMO_PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.headers["location"] == PAGE
        blocked = client.get(
            "/workbench/cases", headers={"accept": "text/html"}, follow_redirects=False
        )
        assert blocked.status_code == 303 and blocked.headers["location"] == PAGE
        api = client.get("/api/v1/catalog/needs")
        assert api.status_code == 403 and api.json()["type"].endswith("password-change-required")
        assert "still has the password it was given" in client.get(PAGE).text
        assert _change(client, DEMO_PASSWORD, GOOD).status_code == 303
        assert client.get("/workbench/cases").status_code == 200
    # Off (the demo's default): the same sign-in goes straight to the workbench.
    with TestClient(create_app(demo_settings, demo_db)) as client:
        sign_in_staff(client, "hrss.reviewer")
        assert client.get("/workbench", follow_redirects=False).status_code == 200
