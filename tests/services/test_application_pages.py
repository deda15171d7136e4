"""The applicant's and the reviewer's pages, through the real forms."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onceonly.core.meta import get_meta
from onceonly.demo.generator import CORE_STEP
from onceonly.services.models import Application, ApplicationCase, CaseStatus
from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff


def mother_id(client: TestClient) -> str:
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        core = get_meta(session, CORE_STEP)
    return next(f["id_number"] for f in core["featured"] if f["story"].startswith("new mother"))


def start(client: TestClient) -> str:
    page = client.get("/services/bundles/having-a-baby")
    assert 'href="/portal/apply?bundle=having-a-baby"' in page.text
    form = client.get("/portal/apply?bundle=having-a-baby")
    assert form.status_code == 200 and "health.births" not in form.text
    response = client.post(
        "/portal/apply",
        data={
            "bundle_code": "having-a-baby",
            "csrf_token": csrf_from(client, "/portal/apply?bundle=having-a-baby"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[-1]


def start_as_mother(client: TestClient) -> str:
    """Sign in as the demo's new mother and start the having-a-baby bundle; its ref."""
    sign_in_citizen(client, mother_id(client))
    return start(client)


def missing_keys(page: str) -> list[tuple[str, str]]:
    """(key, kind) of each material still asked for on the application page."""
    return [(key, "text") for key in re.findall(r'id="text-([a-z_]+)"', page)] + [
        (key, "file") for key in re.findall(r'id="file-([a-z_]+)"', page)
    ]


def test_signed_out_visitors_are_sent_to_sign_in(demo_client: TestClient) -> None:
    response = demo_client.get(
        "/portal/apply?bundle=having-a-baby",
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/portal/sign-in")


@pytest.mark.usefixtures("asking_guides")
def test_the_having_a_baby_journey_through_the_pages(demo_client: TestClient) -> None:
    client = demo_client
    ref = start_as_mother(client)
    page = client.get(f"/portal/applications/{ref}").text
    # Fetched, with the department named: birth, marriage and household data.
    assert "出生医学证明信息" in page and "婚姻登记信息" in page and "结婚证" in page
    asked = missing_keys(page)
    assert asked and {k for k, _ in asked} <= {"bank", "contact", "leave", "photo"}
    token = csrf_from(client, f"/portal/applications/{ref}")
    # Submitting early names what is missing, and changes nothing.
    early = client.post(
        f"/portal/applications/{ref}/submit", data={"confirmed": "1", "csrf_token": token}
    )
    assert "银行" in early.text or "产假" in early.text
    bad = client.post(
        f"/portal/applications/{ref}/materials/{asked[0][0]}",
        data={"csrf_token": token},
        files={"upload": ("x.exe", b"MZ", "application/octet-stream")}
        if asked[0][1] == "file"
        else None,
    )
    assert bad.status_code == 200 and "flash error" in bad.text
    for key, kind in asked:
        if kind == "text":
            response = client.post(
                f"/portal/applications/{ref}/materials/{key}",
                data={"text": "6222 0000 1111 2222", "csrf_token": token},
                follow_redirects=False,
            )
        else:
            response = client.post(
                f"/portal/applications/{ref}/materials/{key}",
                data={"csrf_token": token},
                files={"upload": ("scan.pdf", b"%PDF-1.4 scan", "application/pdf")},
                follow_redirects=False,
            )
        assert response.status_code == 303, response.text
    submitted = client.post(
        f"/portal/applications/{ref}/submit",
        data={"confirmed": "1", "email": "parent@example.cn", "csrf_token": token},
    )
    assert submitted.status_code == 200
    assert 'data-status="submitted"' in submitted.text

    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        application = session.scalar(select(Application).where(Application.ref == ref))
        assert application is not None
        cases = [(c.id, c.department.code) for c in application.cases if c.department]
    staff = TestClient(client.app)
    for case_id, department in cases:
        staff.cookies.clear()
        sign_in_staff(staff, f"{department.split('-')[0]}.reviewer")
        listing = staff.get("/workbench/cases")
        assert f'href="/workbench/cases/{case_id}"' in listing.text
        token = csrf_from(staff, f"/workbench/cases/{case_id}")
        staff.post(f"/workbench/cases/{case_id}/accept", data={"csrf_token": token})
        approve = f"/workbench/cases/{case_id}/approve"
        # Approving asks for confirmation first, on a page saying what will be issued.
        unconfirmed = staff.post(approve, data={"csrf_token": token}, follow_redirects=False)
        assert unconfirmed.headers["location"] == approve
        assert 'id="confirm-approve"' in staff.get(approve).text
        approved = staff.post(approve, data={"csrf_token": token, "confirmed": "1"})
        assert approved.status_code == 200
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        statuses = set(
            session.scalars(
                select(ApplicationCase.status).join(Application).where(Application.ref == ref)
            )
        )
    assert statuses == {CaseStatus.APPROVED}
    done = client.get(f"/portal/applications/{ref}").text
    assert "BIRTH_CERT" in done
    notes = client.get("/portal/notifications").text
    assert ref in notes
    # Submission and each decision were e-mailed after commit (the demo's outbox).
    outbox = client.app.state.settings.data_dir / "outbox"  # type: ignore[attr-defined]
    assert len(list(outbox.glob("*.eml"))) == 1 + len(cases)
    tracker = client.get("/portal/my-data").text
    assert ref in tracker
    figures = staff.get("/workbench/services/figures?by=item")
    assert figures.status_code == 200 and "出生医学证明首次签发" in figures.text


def test_an_unknown_region_is_refused_on_the_start_page(demo_client: TestClient) -> None:
    client = demo_client
    sign_in_citizen(client, mother_id(client))
    path = "/portal/apply?bundle=having-a-baby"
    page = client.post(
        "/portal/apply",
        data={"bundle_code": "having-a-baby", "region_code": "999999",
              "csrf_token": csrf_from(client, path)},
    )  # fmt: skip
    assert page.status_code == 200 and "flash error" in page.text and "999999" in page.text


def test_a_reviewer_cannot_open_another_departments_case(demo_client: TestClient) -> None:
    client = demo_client
    ref = start_as_mother(client)
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        application = session.scalar(select(Application).where(Application.ref == ref))
        assert application is not None
        first = application.cases[0].id
    staff = TestClient(client.app)
    sign_in_staff(staff, "ps.reviewer")
    # A draft is nobody's case yet; a case of health is not the police's.
    assert staff.get(f"/workbench/cases/{first}").status_code == 404
    other = TestClient(client.app)
    assert other.get(f"/portal/applications/{ref}").status_code == 401
