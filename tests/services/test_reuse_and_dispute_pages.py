"""The material store and data correction through the real pages and the JSON API:
kept on submit, offered and reused in the next application, deleted from "My
materials"; a dispute sent from the application, answered in the holding department's
workbench, the material refreshed; the refusals a person can cause."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff
from tests.services.test_application_pages import missing_keys, mother_id, start_as_mother

pytestmark = pytest.mark.usefixtures("asking_guides")  # they need materials the citizen gives


def fill_and_submit(client: TestClient, ref: str) -> list[str]:
    token = csrf_from(client, f"/portal/applications/{ref}")
    asked = missing_keys(client.get(f"/portal/applications/{ref}").text)
    for key, kind in asked:
        files = {"upload": ("scan.pdf", b"%PDF-1.4 scan", "application/pdf")}
        client.post(f"/portal/applications/{ref}/materials/{key}", data={"text": "6222 0000 1111",
                    "csrf_token": token}, files=files if kind == "file" else None)  # fmt: skip
    done = client.post(
        f"/portal/applications/{ref}/submit", data={"confirmed": "1", "csrf_token": token}
    )
    assert 'data-status="submitted"' in done.text
    return [key for key, _ in asked]


def start_again(client: TestClient) -> str:
    token = csrf_from(client, "/portal/apply?bundle=having-a-baby")
    data = {"bundle_code": "having-a-baby", "again": "1", "csrf_token": token}
    again = client.post("/portal/apply", data=data, follow_redirects=False)
    return again.headers["location"].rsplit("/", 1)[-1]


def test_a_material_given_once_is_offered_reused_and_deleted(demo_client: TestClient) -> None:
    client = demo_client
    first = start_as_mother(client)
    given = fill_and_submit(client, first)
    mine = client.get("/portal/materials").text
    assert all(f'data-key="{key}"' in mine for key in given) and first in mine
    second = start_again(client)
    page = client.get(f"/portal/applications/{second}").text
    key = given[0]
    offer = re.search(rf'name="stored_id" value="(\d+)" id="reuse-{key}"', page)
    assert offer and f'id="offer-{key}"' in page and first in page
    token = csrf_from(client, f"/portal/applications/{second}")
    reused = client.post(f"/portal/applications/{second}/materials/{key}/reuse",
                         data={"stored_id": offer.group(1), "csrf_token": token})  # fmt: skip
    assert f'id="reused-{key}"' in reused.text
    state = client.get(f"/api/v1/services/applications/{second}").json()
    entry = next(m for m in state["materials"] if m["key"] == key)
    assert (entry["state"], entry["origin"]) == ("provided", "reused")
    # Another resident can neither see nor delete it.
    other = TestClient(client.app)
    sign_in_citizen(other, _someone_else(client))
    assert other.get("/api/v1/services/my-materials").json() == []
    stolen = other.post(f"/portal/materials/{offer.group(1)}/delete",
                        data={"csrf_token": csrf_from(other, "/portal/materials")})  # fmt: skip
    assert "flash error" in stolen.text
    api = other.delete(f"/api/v1/services/my-materials/{offer.group(1)}",
                       headers={"X-CSRF-Token": csrf_from(other, "/portal/materials")})  # fmt: skip
    assert api.status_code == 404 and api.json()["type"].endswith("stored-material-not-found")
    deleted = client.post(f"/portal/materials/{offer.group(1)}/delete",
                          data={"csrf_token": csrf_from(client, "/portal/materials")})  # fmt: skip
    assert f'id="stored-{offer.group(1)}"' not in deleted.text
    tracker = client.get("/portal/my-data").text
    assert "材料复用" in tracker and "material.reuse" not in tracker  # labelled, not coded


def _someone_else(client: TestClient) -> str:
    from sqlalchemy import select

    from onceonly.identity.models import Person

    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        found = session.scalar(
            select(Person.id_number).where(Person.id_number != mother_id(client)).limit(1)
        )
    assert found is not None
    return found


def test_a_dispute_is_answered_in_the_workbench_and_refreshes(demo_client: TestClient) -> None:
    client = demo_client
    ref = start_as_mother(client)
    token = csrf_from(client, f"/portal/applications/{ref}")
    asked = missing_keys(client.get(f"/portal/applications/{ref}").text)[0][0]
    api = client.post(f"/api/v1/services/applications/{ref}/disputes",
                      json={"material_key": asked, "claim": "wrong"})  # fmt: skip
    assert api.status_code == 422 and api.json()["type"].endswith("not-fetched")
    sent = client.post(f"/portal/applications/{ref}/disputes",
                       data={"material_key": "birth_data", "claim": "出生体重写错了",
                             "csrf_token": token})  # fmt: skip
    assert 'data-status="open"' in sent.text
    dispute_id = client.get(f"/api/v1/services/applications/{ref}/disputes").json()[0]["id"]
    other = TestClient(client.app)
    sign_in_staff(other, "ps.admin")
    assert other.get(f"/workbench/disputes/{dispute_id}").status_code == 404
    wrong_department = other.post(f"/api/v1/services/disputes/{dispute_id}/answer",
                                  json={"corrected": False, "note": "no"})  # fmt: skip
    assert wrong_department.status_code == 404
    staff = TestClient(client.app)
    sign_in_staff(staff, "health.reviewer")
    assert f'href="/workbench/disputes/{dispute_id}"' in staff.get("/workbench/disputes").text
    listed = staff.get("/api/v1/services/disputes", params={"status": "open", "limit": 1}).json()
    assert listed["total"] >= 1 and listed["limit"] == 1 and len(listed["items"]) == 1
    assert dispute_id in {d["id"] for d in listed["items"]} or listed["next"] is not None
    assert other.get("/api/v1/services/disputes").json()["total"] == 0  # not ps's data
    assert staff.get("/api/v1/services/disputes", params={"limit": 0}).status_code == 422
    form = staff.get(f"/workbench/disputes/{dispute_id}").text
    field = re.findall(r'name="c_([a-z_]+)"', form)[-1]
    token = csrf_from(staff, f"/workbench/disputes/{dispute_id}")
    answer = {"verdict": "corrected", f"c_{field}": "3350", "note": "已核实", "csrf_token": token}
    answered = staff.post(f"/workbench/disputes/{dispute_id}/answer", data=answer)
    assert 'id="answered"' in answered.text
    again = staff.post(f"/api/v1/services/disputes/{dispute_id}/answer",
                       json={"corrected": False, "note": "no"})  # fmt: skip
    assert again.status_code == 409 and again.json()["type"].endswith("dispute-answered")
    data = client.get(f"/api/v1/services/applications/{ref}").json()
    birth = next(m for m in data["materials"] if m["key"] == "birth_data")
    assert str(birth["data"][field]) == "3350"
    page = client.get(f"/portal/applications/{ref}").text
    assert 'data-status="corrected"' in page and 'data-kind="Refreshed"' in page
    tracker = client.get("/portal/my-data").text
    assert "提出数据异议" in tracker and "答复数据异议" in tracker
    figures = staff.get("/api/v1/services/dispute-figures")
    assert figures.status_code == 403  # a reviewer is not a supervisor
    supervisor = TestClient(client.app)
    sign_in_staff(supervisor, "dsb.auditor")
    board = supervisor.get("/console/supervision").text
    assert 'id="dispute-figures"' in board
