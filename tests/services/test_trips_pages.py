"""Visits and postings through the JSON API and the pages: booking as JSON (a double
booking is 409 problem+json), another resident sees nothing, posting asked from the
application page, the clerk records the tracking number and the delivery."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff
from tests.services.test_api_applications import problem
from tests.services.test_applications import (  # noqa: F401 (autouse fixture)
    _remember_settings,
    demo_settings_of,
    featured,
    submit_complete,
)
from tests.services.trips_helpers import start_id_card

API = "/api/v1/visits"


def _start(demo_db, submit: bool = False) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        mother = featured(session, "new mother").id_number
        application = start_id_card(session, demo_settings_of(demo_db))
        if submit:  # the department sees the application once it is submitted
            submit_complete(session, application)
        return mother, application.ref


def test_booking_as_json(demo_client: TestClient, demo_db) -> None:  # type: ignore[no-untyped-def]
    mother, ref = _start(demo_db)
    problem(demo_client.get(f"{API}/applications/{ref}"), 401)
    sign_in_citizen(demo_client, mother)
    needs = demo_client.get(f"{API}/applications/{ref}").json()
    assert len(needs) == 1 and needs[0]["appointment"] is None and needs[0]["free_slots"]
    case_id, slot = needs[0]["case_id"], needs[0]["free_slots"][0]
    wanted = {"case_id": case_id, "slot_id": slot["id"]}
    problem(demo_client.post(f"{API}/applications/{ref}/appointments", json={"case_id": 0}), 422)
    booked = demo_client.post(f"{API}/applications/{ref}/appointments", json=wanted)
    assert booked.status_code == 201, booked.text
    code = booked.json()["code"]
    twice = problem(demo_client.post(f"{API}/applications/{ref}/appointments", json=wanted), 409)
    assert twice["type"].endswith("already-booked") and twice["appointment"] == code
    free = demo_client.get(f"{API}/slots/{slot['id']}").json()["free"]
    assert free == slot["free"] - 1
    token = csrf_from(demo_client, f"/portal/applications/{ref}")
    cancel = f"{API}/applications/{ref}/appointments/{code}/cancel"
    problem(demo_client.post(cancel), 403)  # no CSRF token: refused
    cancelled = demo_client.post(cancel, headers={"X-CSRF-Token": token})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    posted = demo_client.post(f"{API}/applications/{ref}/posting", headers={"X-CSRF-Token": token})
    assert posted.status_code == 201 and posted.json()["state"] == "requested"
    assert posted.json()["address"] and posted.json()["address_source"] == "ps.residents"
    with demo_db.session() as session:
        other = featured(session, "turns 60").id_number
    sign_in_citizen(demo_client, other)
    problem(demo_client.get(f"{API}/applications/{ref}"), 404)


def test_posting_from_the_page_and_the_clerk(demo_client: TestClient, demo_db) -> None:  # type: ignore[no-untyped-def]
    mother, ref = _start(demo_db, submit=True)
    sign_in_citizen(demo_client, mother)
    token = csrf_from(demo_client, f"/portal/applications/{ref}")
    asked = demo_client.post(f"/portal/applications/{ref}/posting", data={"csrf_token": token})
    assert asked.status_code == 200 and 'id="posting"' in asked.text
    again = demo_client.post(f"/portal/applications/{ref}/posting", data={"csrf_token": token})
    assert 'id="posting"' in again.text  # refused, shown as a message: still one posting
    sign_in_staff(demo_client, "ps.reviewer")
    page = demo_client.get("/workbench/visits")
    assert ref in page.text
    posting_id = page.text.split("/workbench/visits/postings/")[1].split("/")[0]
    token = csrf_from(demo_client, "/workbench/visits")
    url = f"/workbench/visits/postings/{posting_id}"
    bad = demo_client.post(f"{url}/posted", data={"csrf_token": token, "carrier": "EMS",
                                                  "tracking_no": "x"})  # fmt: skip
    assert "8" in bad.text and "EM123456789CN" not in bad.text
    done = demo_client.post(f"{url}/posted", data={"csrf_token": token, "carrier": "EMS",
                                                   "tracking_no": "EM123456789CN"})  # fmt: skip
    assert "EM123456789CN" in done.text
    demo_client.post(f"{url}/delivered", data={"csrf_token": token})
    assert ref not in demo_client.get("/workbench/visits").text
    mother, other = _start(demo_db, submit=True)
    sign_in_citizen(demo_client, mother)
    token = csrf_from(demo_client, f"/portal/applications/{other}")
    demo_client.post(f"/portal/applications/{other}/posting", data={"csrf_token": token})
    sign_in_staff(demo_client, "ca.reviewer")  # not the department of the application
    token = csrf_from(demo_client, "/workbench/visits")
    assert other not in demo_client.get("/workbench/visits").text
    elsewhere = demo_client.post(f"/workbench/visits/postings/{int(posting_id) + 1}/delivered",
                                 data={"csrf_token": token})  # fmt: skip
    assert elsewhere.status_code == 404
