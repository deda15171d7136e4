"""Withdrawing an application (撤回申请): what is undecided stops, what is decided stays,
and the departments, the figures and the applicant all see it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onceonly.core.errors import Conflict, Invalid
from onceonly.services.applications import applications
from onceonly.services.casework import figures, review
from onceonly.services.models import (
    ApplicationStatus,
    CaseStatus,
    Notification,
)
from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff
from tests.services.test_api_applications import API, problem
from tests.services.test_application_pages import mother_id, start_as_mother
from tests.services.test_applications import (  # noqa: F401 (autouse: start_baby needs it)
    _remember_settings,
    staff,
    start_baby,
    submit_complete,
)


def test_a_draft_is_closed_without_any_department_seeing_it(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        application = applications.get_application(session, ref)
        applications.withdraw(session, application, "")
        assert application.status is ApplicationStatus.WITHDRAWN
        assert {c.status for c in application.cases} == {CaseStatus.DRAFT}
        listed = {c.id for c in session.scalars(review.cases_query(None))}
        assert not listed & {c.id for c in application.cases}
        with pytest.raises(Conflict) as twice:
            applications.withdraw(session, application, "")
        assert twice.value.code == "nothing-to-withdraw"
        with pytest.raises(Conflict):
            applications.submit(session, application, confirmed=True)
        assert [e.kind for e in applications.timeline(session, application)][-1] == "Withdrawn"


def test_undecided_cases_stop_and_decided_ones_keep_their_result(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        application = applications.get_application(session, ref)
        submit_complete(session, application)
        birth, others = application.cases[0], application.cases[1:]
        health = staff(session, "health.reviewer")
        review.accept(session, health, birth)
        review.approve(session, health, birth)
        with pytest.raises(Invalid):
            applications.withdraw(session, application, "x" * 2001)
        applications.withdraw(session, application, "孩子随父落户，改在外省办理")
        assert birth.status is CaseStatus.APPROVED and birth.result_serial
        assert {c.status for c in others} == {CaseStatus.WITHDRAWN}
        assert all(c.reason == "孩子随父落户，改在外省办理" for c in others)
        # Something was decided, so the application is completed, not withdrawn.
        assert application.status is ApplicationStatus.COMPLETED
        assert application.completed_at is not None
        police = staff(session, "ps.reviewer")
        with pytest.raises(Conflict) as late:
            review.accept(session, police, others[0])
        assert late.value.code == "wrong-case-status"
        overdue = {c.id for c in session.scalars(review.cases_query(None, overdue=True))}
        assert not overdue & {c.id for c in others}
        notes = session.scalars(
            select(Notification.subject).where(Notification.application_id == application.id)
        ).all()
        assert any(subject.startswith("已撤回") for subject in notes)
        submitted = application.submitted_at
    with demo_db.session() as session:
        rows = figures.by_department(session, since=submitted)
        assert sum(r.withdrawn for r in rows) == len(others)
        assert sum(r.decided for r in rows) == 1


def test_withdrawing_everything_from_the_portal(demo_client: TestClient) -> None:
    client = demo_client
    ref = start_as_mother(client)
    page = client.get(f"/portal/applications/{ref}")
    assert 'id="withdraw"' in page.text
    answer = client.post(
        f"/portal/applications/{ref}/withdraw",
        data={"reason": "不办了", "csrf_token": csrf_from(client, f"/portal/applications/{ref}")},
    )
    assert answer.status_code == 200
    assert 'id="withdraw"' not in answer.text
    assert 'data-kind="Withdrawn"' in answer.text
    # Once more: refused with a readable message, nothing changed.
    again = client.post(
        f"/portal/applications/{ref}/withdraw",
        data={"csrf_token": csrf_from(client, f"/portal/applications/{ref}")},
    )
    assert again.status_code == 200 and "nothing to withdraw" in again.text
    # Without the CSRF token the form is refused.
    forged = client.post(f"/portal/applications/{ref}/withdraw", data={"reason": "x"})
    assert forged.status_code == 403


def test_withdrawing_through_the_api_and_the_reviewer_sees_it(demo_client: TestClient) -> None:
    client = demo_client
    sign_in_citizen(client, mother_id(client))
    body = client.post(f"{API}/applications", json={"bundle_code": "having-a-baby"}).json()
    ref = body["ref"]
    for key in body["missing"]:
        source = next(m["source"] for m in body["materials"] if m["key"] == key)
        payload = (
            {"text": "6222"}
            if source == "form"
            else {"filename": "a.pdf", "content_base64": "JVBERg=="}
        )
        assert client.put(f"{API}/applications/{ref}/materials/{key}", json=payload).is_success
    assert client.post(f"{API}/applications/{ref}/submit", json={"confirmed": True}).is_success
    problem(client.post(f"{API}/applications/{ref}/withdraw"), 422)  # a JSON body is needed
    problem(client.post(f"{API}/applications/{ref}/withdraw", json={"reason": "x" * 2001}), 422)
    withdrawn = client.post(f"{API}/applications/{ref}/withdraw", json={"reason": "改期"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert {c["status"] for c in withdrawn.json()["cases"]} == {"withdrawn"}
    problem(client.post(f"{API}/applications/{ref}/withdraw", json={}), 409)

    reviewer = TestClient(client.app)
    sign_in_staff(reviewer, "health.reviewer")
    cases = reviewer.get(f"{API}/cases", params={"status": "withdrawn"}).json()
    assert cases and cases[0]["reason"] == "改期"
    page = reviewer.get(f"/workbench/cases/{cases[0]['id']}")
    assert 'data-status="withdrawn"' in page.text and "改期" in page.text
    token = {"x-csrf-token": csrf_from(reviewer, "/workbench/cases")}
    problem(reviewer.post(f"{API}/cases/{cases[0]['id']}/accept", headers=token), 409)
    figures_page = reviewer.get("/workbench/services/figures.csv")
    assert "withdrawn" in figures_page.text.splitlines()[0]
