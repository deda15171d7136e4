"""A citizen downloads everything the platform holds about them, as JSON and as CSV."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from onceonly.identity.models import Person
from onceonly.services.models import Application
from tests.helpers import sign_in_citizen


def _applicant(demo_db) -> tuple[str, int, str]:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        person_id, n = session.execute(
            select(Application.person_id, func.count())
            .group_by(Application.person_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        person = session.get(Person, person_id)
        assert person is not None
        return person.id_number, n, person.name


def test_the_export_holds_the_person_and_only_them(demo_client, demo_db) -> None:  # type: ignore[no-untyped-def]
    id_number, applications, name = _applicant(demo_db)
    assert demo_client.get("/portal/my-data/export.json", follow_redirects=False).status_code in (
        303,
        401,
    )
    sign_in_citizen(demo_client, id_number)
    page = demo_client.get("/portal/my-data/export?lang=en")
    assert page.status_code == 200 and "/portal/my-data/export.csv" in page.text

    response = demo_client.get("/portal/my-data/export.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="my-data.json"'
    data = response.json()
    assert data["person"]["id_number"] == id_number and data["person"]["name"] == name
    sections = data["sections"]
    assert len(sections["applications"]) == applications
    assert {a["applicant_code"] for a in sections["applications"]} <= {id_number}
    assert all("content" not in m for m in sections["application_materials"])
    assert set(sections) >= {"notifications", "appeals", "licences", "data_uses"}

    as_csv = demo_client.get("/portal/my-data/export.csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {"section": "person", "record": "1", "field": "id_number", "value": id_number} in rows
    assert sum(1 for r in rows if r["section"] == "applications" and r["field"] == "ref") == (
        applications
    )
