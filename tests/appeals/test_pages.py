"""The appeal pages end to end: report, queue, desk, rating and reopening, figures."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from onceonly.appeals.models import Appeal
from onceonly.identity.models import Person
from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def _people(client) -> list[str]:  # type: ignore[no-untyped-def]
    with client.app.state.db.session() as session:
        return list(session.scalars(select(Person.id_number).order_by(Person.id).limit(2)))


def _post(client, path: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
    return client.post(
        path, data={**data, "csrf_token": csrf_from(client, page)}, follow_redirects=False
    )


def test_citizen_reports_department_answers_citizen_rates(demo_client) -> None:  # type: ignore[no-untyped-def]
    me, other = _people(demo_client)
    sign_in_citizen(demo_client, me)
    form = demo_client.get("/portal/appeals/new?lang=en")
    assert form.status_code == 200 and 'name="category_code"' in form.text
    too_short = {"category_code": "road-damage", "description": "Hole"}
    bad = _post(demo_client, "/portal/appeals", too_short, "/portal/appeals/new")
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    response = demo_client.post(
        "/portal/appeals",
        data={
            "category_code": "road-damage",
            "description": "A deep pothole by the school gate",
            "region_code": "330105",
            "address": "湖滨区解放路 3 号",
            "contact_phone": "13700000000",
            "csrf_token": csrf_from(demo_client, "/portal/appeals/new"),
        },
        files={"photo": ("hole.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    path = response.headers["location"]
    appeal_id = int(path.rsplit("/", 1)[1])
    detail = demo_client.get(path)
    assert "A deep pothole" in detail.text
    photo = re.search(r'href="https?://[^"]+(/appeals/media/[^"]+)"', detail.text)
    assert photo and demo_client.get(photo.group(1)).content == PNG
    assert str(appeal_id) in demo_client.get("/portal/appeals").text

    sign_in_staff(demo_client, "ps.admin")  # another department cannot see it
    assert demo_client.get(f"/workbench/appeals/{appeal_id}").status_code == 404
    sign_in_staff(demo_client, "cg.admin")
    assert f"/workbench/appeals/{appeal_id}" in demo_client.get("/workbench/appeals").text
    page = f"/workbench/appeals/{appeal_id}"
    assert "13700000000" in demo_client.get(page).text  # staff may call back
    assert _post(demo_client, f"{page}/reply", {"text": "x"}, page).status_code == 303
    assert _post(demo_client, f"{page}/accept", {}, page).status_code == 303
    _post(demo_client, f"{page}/note", {"text": "Crew booked"}, page)
    _post(demo_client, f"{page}/reply", {"text": "Filled and resurfaced"}, page)

    sign_in_citizen(demo_client, other)
    assert demo_client.get(path).status_code == 404  # not theirs
    sign_in_citizen(demo_client, me)
    assert "Filled and resurfaced" in demo_client.get(path).text
    _post(demo_client, f"{path}/rate", {"rating": "1"}, path)
    _post(demo_client, f"{path}/reopen", {"reason": "The hole is back"}, path)
    with demo_client.app.state.db.session() as session:
        appeal = session.get(Appeal, appeal_id)
        assert appeal is not None
        assert appeal.status == "accepted" and appeal.reopen_count == 1
        assert appeal.media_url.endswith(".png")


def test_operator_desk_phone_entry_dispatch_and_merge(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, "hotline.operator")
    assert demo_client.get("/console/appeals").status_code == 200
    data = {
        "category_code": "noise",
        "description": "Karaoke after midnight",
        "contact_name": "Li",
        "contact_phone": "13600000000",
        "region_code": "330203",
        "address": "西岭区人民路 8 号",
    }
    first = _post(demo_client, "/console/appeals", data, "/console/appeals")
    second = _post(demo_client, "/console/appeals", data, "/console/appeals")
    assert first.status_code == second.status_code == 303
    first_id = int(first.headers["location"].rsplit("/", 1)[1])
    second_path = second.headers["location"]
    missing = _post(
        demo_client,
        "/console/appeals",
        {**data, "address": "", "region_code": ""},
        "/console/appeals",
    )
    assert missing.status_code == 422
    with demo_client.app.state.db.session() as session:
        from onceonly.identity.models import Department

        target = session.scalar(select(Department.id).where(Department.code == "amr-330200"))
    _post(demo_client, f"{second_path}/dispatch", {"department_id": str(target)}, second_path)
    _post(demo_client, f"{second_path}/merge", {"into_id": str(first_id)}, second_path)
    with demo_client.app.state.db.session() as session:
        appeal = session.get(Appeal, int(second_path.rsplit("/", 1)[1]))
        assert appeal is not None and appeal.status == "merged"
        assert appeal.merged_into_id == first_id and appeal.department_id == target
        assert appeal.channel == "phone" and appeal.contact_phone == "13600000000"
    sign_in_staff(demo_client, "cg.admin")
    assert demo_client.get("/console/appeals").status_code == 403


def test_figures_page_and_csv(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, "dsb.auditor")
    page = demo_client.get("/console/appeals/figures?lang=en")
    assert page.status_code == 200
    ranking = page.text.split('id="ranking"')[1].split("</table>")[0]
    assert ranking.count("<tr>") > 3  # the demo year gives several departments figures
    export = demo_client.get("/console/appeals/figures.csv")
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0][0] == "department" and len(rows) > 5
    assert demo_client.get("/console/appeals/figures?start=2026-13-01").status_code == 422
