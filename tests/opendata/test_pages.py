"""Open data pages through the real forms: search, dataset, apply, queue, quality."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from onceonly.identity.models import Person
from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff

from .conftest import OpenFixture


def test_search_with_facets_and_dataset_page(od_client: TestClient) -> None:
    everything = od_client.get("/opendata?lang=en")
    assert everything.status_code == 200
    assert "Registered shops" in everything.text and "Clinic visits" in everything.text
    public = od_client.get("/opendata", params={"access": "public", "q": "shops"})
    assert "Registered shops" in public.text and "Clinic visits" not in public.text
    by_theme = od_client.get("/opendata", params={"theme": "HEAL"})
    assert "Clinic visits" in by_theme.text and "Registered shops" not in by_theme.text
    page = od_client.get("/opendata/datasets/test.shops")
    assert page.status_code == 200
    assert "S00019" in page.text and "S00020" not in page.text  # a 20-row preview
    assert "download.csv?bom=1" in page.text and "download.parquet" in page.text
    visits = od_client.get("/opendata/datasets/test.visits")
    assert (
        "/opendata/datasets/test.visits/apply" in visits.text and "download.csv" not in visits.text
    )
    assert od_client.get("/opendata/api").status_code == 200
    assert (
        od_client.get("/opendata/datasets/nope", headers={"accept": "text/html"}).status_code == 404
    )


def test_apply_through_the_portal_and_decide_in_the_workbench(
    opendata: OpenFixture, od_client: TestClient
) -> None:
    with opendata.db.session() as session:
        id_number = session.scalars(select(Person.id_number).order_by(Person.id)).first()
    assert id_number
    sign_in_citizen(od_client, id_number)
    form = od_client.get("/opendata/datasets/test.visits/apply")
    assert form.status_code == 200
    today = date.today()
    data = {
        "csrf_token": csrf_from(od_client, "/opendata/datasets/test.visits/apply"),
        "purpose": "Planning clinic opening hours",
        "fields": ["clinic", "visits"],
        "period_from": today.isoformat(),
        "period_to": (today + timedelta(days=30)).isoformat(),
        "delivery": "link",
    }
    bad = od_client.post(
        "/opendata/datasets/test.visits/apply", data={**data, "period_to": "2000-01-01"}
    )
    assert bad.status_code == 422
    sent = od_client.post("/opendata/datasets/test.visits/apply", data=data, follow_redirects=False)
    assert sent.status_code == 303
    assert "test.visits" in od_client.get("/portal/opendata/applications").text

    staff_client = TestClient(od_client.app)
    sign_in_staff(staff_client, "health.reviewer")
    queue = staff_client.get("/workbench/opendata/applications")
    assert "Planning clinic opening hours" in queue.text
    token = csrf_from(staff_client, "/workbench/opendata/applications")
    with opendata.db.session() as session:
        from onceonly.opendata.models import OpenDataApplication

        app_id = session.scalar(select(OpenDataApplication.id))
    decided = staff_client.post(
        f"/workbench/opendata/applications/{app_id}/decide",
        data={"csrf_token": token, "approve": "yes", "valid_days": "10"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    mine = od_client.get("/portal/opendata/applications").text
    link = mine.split('href="/opendata/delivery/')[1].split('"')[0]
    download = od_client.get(f"/opendata/delivery/{link}")
    assert download.status_code == 200 and download.text.startswith("clinic,visits")


def test_quality_pages_and_refresh_button(od_client: TestClient) -> None:
    sign_in_staff(od_client, "amr.steward")
    quality = od_client.get("/workbench/opendata/quality")
    assert (
        quality.status_code == 200
        and "test.tiny" in quality.text
        and "test.visits" not in quality.text
    )
    page = od_client.get("/opendata/datasets/test.shops")
    assert "/workbench/opendata/datasets/test.shops/refresh" in page.text
    token = csrf_from(od_client, "/opendata/datasets/test.shops")
    refreshed = od_client.post(
        "/workbench/opendata/datasets/test.shops/refresh",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert refreshed.status_code == 303
    shown = od_client.get("/api/opendata/datasets/test.shops").json()
    assert shown["row_count"] == 250
    history = od_client.get("/opendata/datasets/test.shops").text
    assert "<td>2</td>" in history  # generation 2 is listed
