"""Small helpers shared by tests: sign in through the real forms; make a system client."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from onceonly.core.actors import Actor
from onceonly.demo.province import DEMO_PASSWORD
from onceonly.identity import service as identity
from onceonly.identity.models import Department

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client: TestClient, path: str = "/sign-in") -> str:
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in_staff(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> None:
    response = client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_from(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def sign_in_citizen(client: TestClient, id_number: str, entity_id: int | None = None) -> None:
    from sqlalchemy import select

    from onceonly.identity.models import Person

    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        person_id = session.scalar(select(Person.id).where(Person.id_number == id_number))
    assert person_id is not None, f"{id_number} is not a registered person"
    data = {"person_id": str(person_id), "csrf_token": csrf_from(client, "/portal/sign-in")}
    if entity_id is not None:
        data["entity_id"] = str(entity_id)
    response = client.post("/portal/sign-in", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text


def system_client(
    session: Session, department: Department, code: str, scopes: list[str], name: str = ""
) -> identity.IssuedClient:
    """A system client of `department`, set up by the system (its key in `.api_key`)."""
    return identity.create_client(
        session,
        code=code,
        name=name or code,
        department=department,
        scopes=scopes,
        by=Actor("system", "test", "test"),
    )
