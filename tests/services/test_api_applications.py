"""The applications' JSON API: the applicant's journey, the reviewer's decisions, and the
errors as problem+json."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff
from tests.services.test_application_pages import mother_id

API = "/api/v1/services"


def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.usefixtures("asking_guides")
def test_the_journey_through_the_api(demo_client: TestClient) -> None:
    client = demo_client
    problem(client.post(f"{API}/applications", json={"bundle_code": "having-a-baby"}), 401)
    sign_in_citizen(client, mother_id(client))
    problem(client.post(f"{API}/applications", json={}), 422)
    problem(client.post(f"{API}/applications", json={"item_code": "NOPE"}), 404)
    started = client.post(f"{API}/applications", json={"bundle_code": "having-a-baby"})
    assert started.status_code == 201, started.text
    body = started.json()
    ref = body["ref"]
    states = {m["key"]: m["state"] for m in body["materials"]}
    assert states["birth_data"] == "fetched" and states["birth_cert"] == "from_bundle"
    assert body["missing"]

    early = problem(client.post(f"{API}/applications/{ref}/submit", json={"confirmed": True}), 422)
    assert set(early["missing"]) == set(body["missing"])
    bad = client.put(
        f"{API}/applications/{ref}/materials/{body['missing'][0]}",
        json={"filename": "a.pdf", "content_base64": "not base64!"},
    )
    problem(bad, 422)
    for material in body["materials"]:
        if material["key"] not in body["missing"]:
            continue
        if material["source"] == "form":
            payload = {"text": "6222 0000 1111"}
        else:
            payload = {"filename": "scan.pdf", "content_base64": base64.b64encode(b"%PDF").decode()}
        answer = client.put(f"{API}/applications/{ref}/materials/{material['key']}", json=payload)
        assert answer.status_code == 200, answer.text
    submitted = client.post(f"{API}/applications/{ref}/submit", json={"confirmed": True})
    assert submitted.status_code == 200, submitted.text
    assert {c["status"] for c in submitted.json()["cases"]} == {"submitted"}
    problem(client.post(f"{API}/applications/{ref}/submit", json={"confirmed": True}), 409)
    assert client.get(f"{API}/applications").json()[0]["ref"] == ref
    timeline = client.get(f"{API}/applications/{ref}").json()["timeline"]
    assert [e["kind"] for e in timeline][:2] == ["Started", "Submitted"]

    staff = TestClient(client.app)
    sign_in_staff(staff, "health.reviewer")
    mine = staff.get(f"{API}/cases", params={"status": "submitted"}).json()
    birth = next(c for c in mine if c["item_name"] == "出生医学证明首次签发")
    # A POST without a body must carry the session's CSRF token.
    problem(staff.post(f"{API}/cases/{birth['id']}/accept"), 403)
    token = {"x-csrf-token": csrf_from(staff, "/workbench/cases")}
    assert staff.post(f"{API}/cases/{birth['id']}/accept", headers=token).status_code == 200
    approved = staff.post(f"{API}/cases/{birth['id']}/approve", headers=token)
    assert approved.status_code == 200 and approved.json()["result_serial"]
    problem(staff.post(f"{API}/cases/{birth['id']}/approve", headers=token), 409)
    figures = staff.get(f"{API}/figures", params={"by": "item"}).json()
    assert any(f["decided"] == 1 for f in figures)
    problem(staff.get(f"{API}/figures", params={"by": "x"}), 422)

    police = TestClient(client.app)
    sign_in_staff(police, "ps.reviewer")
    problem(police.get(f"{API}/cases/{birth['id']}"), 404)  # another department's case
    notes = client.get(f"{API}/notifications").json()
    assert any(ref in n["body"] for n in notes)


def test_someone_elses_application_is_not_found(demo_client: TestClient) -> None:
    client = demo_client
    sign_in_citizen(client, mother_id(client))
    ref = client.post(f"{API}/applications", json={"bundle_code": "having-a-baby"}).json()["ref"]
    other = TestClient(client.app)
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        from sqlalchemy import select

        from onceonly.identity.models import Person

        someone = session.scalars(select(Person.id_number).order_by(Person.id.desc())).first()
    assert someone is not None and someone != mother_id(client)
    sign_in_citizen(other, someone)
    problem(other.get(f"{API}/applications/{ref}"), 404)
    problem(other.put(f"{API}/applications/{ref}/materials/bank", json={"text": "x"}), 404)
