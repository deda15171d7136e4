"""Roles, staff sign-in, citizen sign-in, and the API-key lifecycle."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Forbidden, Unauthorized
from onceonly.identity import service
from onceonly.identity.models import Role, User
from tests.helpers import csrf_from, sign_in_staff, system_client

SYSTEM = Actor.system("test")


def test_require_role_allows_holder_and_admin(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        reviewer = session.query(User).filter_by(username="ps.reviewer").one()
        admin = session.query(User).filter_by(username="dsb.platform").one()
        service.require_role(reviewer, Role.reviewer)
        service.require_role(admin, Role.reviewer)  # platform admins may do anything
        with pytest.raises(Forbidden, match="roles: data_steward"):
            service.require_role(reviewer, Role.data_steward)
        with pytest.raises(Forbidden):
            service.require_role(reviewer, Role.reviewer, department_id=reviewer.department_id + 1)
        ps_admin = session.query(User).filter_by(username="ps.admin").one()
        assert service.can_manage_department(ps_admin, ps_admin.department_id)
        assert not service.can_manage_department(ps_admin, reviewer.department_id + 1)
        assert not service.can_manage_department(reviewer, reviewer.department_id)


def test_staff_sign_in_and_out(demo_client) -> None:  # type: ignore[no-untyped-def]
    html = {"accept": "text/html"}
    assert demo_client.get("/workbench", headers=html, follow_redirects=False).status_code == 303
    assert demo_client.get("/workbench").status_code == 401  # programs get problem+json
    sign_in_staff(demo_client, "ps.reviewer")
    page = demo_client.get("/workbench")
    assert page.status_code == 200 and "ps.reviewer" in page.text
    token = csrf_from(demo_client, "/workbench")
    demo_client.post("/sign-out", data={"csrf_token": token})
    assert demo_client.get("/workbench", headers=html, follow_redirects=False).status_code == 303


def test_wrong_password_and_inactive_user(demo_client, demo_db) -> None:  # type: ignore[no-untyped-def]
    token = csrf_from(demo_client)
    bad = demo_client.post(
        "/sign-in", data={"username": "ps.reviewer", "password": "nope", "csrf_token": token}
    )
    assert (bad.status_code == 401 and "wrong" in bad.text.lower()) or "错误" in bad.text
    with demo_db.session() as session:
        session.query(User).filter_by(username="ps.reviewer").one().active = False
    with demo_db.session() as session, pytest.raises(Unauthorized):
        service.authenticate_user(session, "ps.reviewer", "demo-password-2024")


def test_form_without_csrf_token_is_refused(demo_client) -> None:  # type: ignore[no-untyped-def]
    response = demo_client.post(
        "/sign-in", data={"username": "ps.reviewer", "password": "demo-password-2024"}
    )
    assert response.status_code == 403


def test_console_pages_need_admin_role(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, "ps.reviewer")
    assert demo_client.get("/console/users").status_code == 403
    sign_in_staff(demo_client, "ps.admin")
    users = demo_client.get("/console/users")
    assert users.status_code == 200 and "ps.steward" in users.text
    assert "ca.steward" not in users.text  # a department admin sees only their department


def test_citizen_sign_in_as_and_company_agent(demo_client, demo_db) -> None:  # type: ignore[no-untyped-def]
    from onceonly.identity.models import LegalEntity, Person

    with demo_db.session() as session:
        entity = session.query(LegalEntity).first()
        owner_id = entity.representative_id
        other = session.query(Person).filter(Person.id != owner_id).first()
        entity_id, other_id = entity.id, other.id
    token = csrf_from(demo_client, "/portal/sign-in")
    refused = demo_client.post(
        "/portal/sign-in", data={"person_id": other_id, "entity_id": entity_id, "csrf_token": token}
    )
    assert refused.status_code == 403
    ok = demo_client.post(
        "/portal/sign-in",
        data={"person_id": owner_id, "entity_id": entity_id, "csrf_token": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_api_key_lifecycle(demo_client, demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        dept = service.department_by_code(session, "ca")
        issued = system_client(session, dept, "ca.marriage-system", ["exchange:query"], "Marriage")
        key = issued.api_key
        stored = issued.client.key_hash
    assert key not in stored  # only the hash is kept

    def whoami(token: str):  # type: ignore[no-untyped-def]
        return demo_client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})

    assert whoami(key).json()["code"] == "ca.marriage-system"
    for bad in ["oo_deadbeef_nothing", "garbage", key[:-2] + "xx"]:
        response = whoami(bad)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert demo_client.get("/api/v1/whoami").json()["type"].endswith("missing-api-key")

    with demo_db.session() as session:
        client = service.client_by_code(session, "ca.marriage-system")
        with pytest.raises(Forbidden, match="licences:issue"):
            service.authenticate_client(session, key, "licences:issue")
        new_key = service.rotate_client_key(session, client, SYSTEM)
    assert whoami(key).status_code == 401  # the old key stops at once
    assert whoami(new_key).status_code == 200

    with demo_db.session() as session:
        client = service.client_by_code(session, "ca.marriage-system")
        client.expires_at = utcnow() - timedelta(seconds=1)
    assert whoami(new_key).json()["type"].endswith("expired-api-key")

    with demo_db.session() as session:
        client = service.client_by_code(session, "ca.marriage-system")
        client.expires_at = None
        service.revoke_client(session, client, SYSTEM)
    assert whoami(new_key).json()["type"].endswith("revoked-api-key")


def test_unknown_scope_is_rejected(db) -> None:  # type: ignore[no-untyped-def]
    from onceonly.core.errors import Invalid
    from onceonly.identity.models import RegionLevel

    with db.session() as session:
        service.add_region(session, "330000", "示范省", RegionLevel.province)
        dept = service.add_department(session, code="x", name="X", kind="tax", region_code="330000")
        with pytest.raises(Invalid, match="unknown scopes: everything"):
            service.create_client(
                session, code="c", name="c", department=dept, scopes=["everything"], by=SYSTEM
            )
