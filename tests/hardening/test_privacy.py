"""Privacy in public APIs and logs: portal appeals are private unless the person
publishes them, Open311 masks ID and phone numbers typed into public text, and the
access log never holds a query string."""

from __future__ import annotations

import logging

from sqlalchemy import select

from onceonly.appeals.models import Appeal
from onceonly.core.redact import RedactQueryStrings
from onceonly.identity.models import Person
from tests.helpers import csrf_from, sign_in_citizen

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
TEXT = f"楼道漏水，联系我 {PHONE}，身份证{ID_NUMBER}"


def _report(client, public: bool) -> int:  # type: ignore[no-untyped-def]
    data = {
        "category_code": "road-damage",
        "description": TEXT,
        "region_code": "330105",
        "address": "解放路 3 号 电话0571-87654321",
        "csrf_token": csrf_from(client, "/portal/appeals/new"),
    }
    if public:
        data["public"] = "1"
    response = client.post("/portal/appeals", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_portal_appeals_are_private_unless_published_and_masked_on_open311(demo_client) -> None:  # type: ignore[no-untyped-def]
    with demo_client.app.state.db.session() as session:
        id_number = session.scalar(select(Person.id_number).order_by(Person.id).limit(1))
    sign_in_citizen(demo_client, id_number)
    private = _report(demo_client, public=False)
    public = _report(demo_client, public=True)
    assert demo_client.get(f"/open311/v2/requests/{private}.json").status_code == 404
    listed = demo_client.get(f"/open311/v2/requests.json?service_request_id={private},{public}")
    assert [item["service_request_id"] for item in listed.json()] == [str(public)]
    item = listed.json()[0]
    assert PHONE not in item["description"] and ID_NUMBER not in item["description"]
    assert "138****5678" in item["description"] and "110105********002X" in item["description"]
    assert "87654321" not in item["address"] and "0571-****" in item["address"]
    everything = demo_client.get("/open311/v2/requests.json").text
    assert PHONE not in everything and ID_NUMBER not in everything
    with demo_client.app.state.db.session() as session:  # kept in full for the handlers
        assert session.get(Appeal, public).description == TEXT
    page = demo_client.get(f"/portal/appeals/{private}")
    assert page.status_code == 200 and PHONE in page.text  # the person sees their own text


def test_demo_appeals_about_people_are_private(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        rows = session.execute(select(Appeal.person_id, Appeal.public)).all()
    assert rows and all(public == (person_id is None) for person_id, public in rows)


def test_the_access_log_keeps_no_query_string() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/workbench/people?id_number={ID_NUMBER}", "1.1", 200),
        None,
    )  # fmt: skip
    assert RedactQueryStrings().filter(record)
    line = record.getMessage()
    assert ID_NUMBER not in line and '"GET /workbench/people?… HTTP/1.1" 200' in line
