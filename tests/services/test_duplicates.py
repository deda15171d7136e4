"""One birth, one birth certificate (issue 22): a second application for the same thing
is warned about and refused unless confirmed; a first-issuance licence is issued once
per subject however many cases approve it; the reviewer sees a parallel application
and an existing certificate, and confirms what approving issues."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onceonly.core.db import Database
from onceonly.core.errors import Conflict
from onceonly.core.settings import Settings
from onceonly.licences.models import Licence
from onceonly.licences.service import claims_of
from onceonly.services.applications import applications, starting
from onceonly.services.casework import review
from onceonly.services.models import Application, ApplicationCase, CaseStatus
from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff
from tests.services.test_application_pages import mother_id, start_as_mother
from tests.services.test_applications import applicant, featured, staff, submitted


@pytest.fixture(autouse=True)
def _settings(request: pytest.FixtureRequest) -> None:
    if "demo_db" in request.fixturenames:
        _SETTINGS["now"] = request.getfixturevalue("demo_settings")


_SETTINGS: dict[str, Settings] = {}


def _start(demo_db: Database, **kwargs: Any) -> str:
    """The featured mother starts having a baby, with the departments' sources."""
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        return starting.start(
            session,
            applicant(mother),
            bundle_code="having-a-baby",
            db=demo_db,
            settings=_SETTINGS["now"],
            **kwargs,
        ).ref


def _birth_certificates(session: Any, holder: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Licence)
            .where(Licence.holder_code == holder, Licence.type_code == "birth_cert")
        )
    )


def _approve_birth(demo_db: Database, ref: str) -> str:
    """Submit the application and approve its birth-certificate case; the serial."""
    with demo_db.session() as session:
        application = submitted(session, ref)
        birth = application.cases[0]
        health = staff(session, "health.reviewer")
        review.accept(session, health, birth)
        review.approve(session, health, birth)
        return birth.result_serial


def test_a_second_application_is_refused_unless_confirmed(demo_db) -> None:  # type: ignore[no-untyped-def]
    first = _start(demo_db)
    with pytest.raises(Conflict) as refused:
        _start(demo_db)
    assert refused.value.code == "already-applied"
    assert refused.value.extra["existing"] == [first]
    second = _start(demo_db, again=True)
    with demo_db.session() as session:
        count = session.scalar(select(func.count()).select_from(Application))
        assert second != first and count is not None
        # Withdrawn applications do not count.
        for ref in (first, second):
            applications.withdraw(session, applications.get_application(session, ref), "")
    assert _start(demo_db)


def test_approving_twice_issues_one_birth_certificate(demo_db) -> None:  # type: ignore[no-untyped-def]
    first = _start(demo_db)
    second = _start(demo_db, again=True)
    serial = _approve_birth(demo_db, first)
    assert _approve_birth(demo_db, second) == serial  # linked, not issued again
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        assert _birth_certificates(session, mother.id_number) == 1
        # The certificate says what the birth record says, not the mother's ID card or
        # the marriage certificate (which also carry a birth date and a number).
        birth = applications.material(applications.get_application(session, first), "birth_data")
        issued = session.scalar(select(Licence).where(Licence.serial == serial))
        assert issued is not None
        claims = claims_of(issued)
        for name in ("cert_no", "birth_date", "child_name"):
            assert str(claims[name]) == str(birth.data[name]), name
        # A revoked certificate is not silently reissued by another approval.
        licence = session.scalar(select(Licence).where(Licence.serial == serial))
        assert licence is not None
        licence.status = "revoked"
    third = _start(demo_db, again=True)
    with pytest.raises(Conflict) as refused:
        _approve_birth(demo_db, third)
    assert refused.value.code == "result-not-valid"
    with demo_db.session() as session:
        assert _birth_certificates(session, featured(session, "new mother").id_number) == 1


def test_the_pages_warn_offer_to_continue_and_flag_the_case(demo_client: TestClient) -> None:
    client = demo_client
    first = start_as_mother(client)
    form = client.get("/portal/apply?bundle=having-a-baby").text
    assert 'id="earlier"' in form and f'href="/portal/applications/{first}"' in form
    token = csrf_from(client, "/portal/apply?bundle=having-a-baby")
    refused = client.post("/portal/apply", data={"bundle_code": "having-a-baby",
                                                 "csrf_token": token})  # fmt: skip
    assert "flash error" in refused.text and 'id="earlier"' in refused.text
    again = client.post(
        "/portal/apply",
        data={"bundle_code": "having-a-baby", "again": "1", "csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 303
    second = again.headers["location"].rsplit("/", 1)[-1]
    db = client.app.state.db  # type: ignore[attr-defined]
    _approve_birth(db, first)
    with db.session() as session:
        application = submitted(session, second)
        review.accept(session, staff(session, "health.reviewer"), application.cases[0])
        case_id = session.scalar(
            select(ApplicationCase.id).where(
                ApplicationCase.application_id == application.id,
                ApplicationCase.status == CaseStatus.ACCEPTED,
            )
        )
    reviewer = TestClient(client.app)
    sign_in_staff(reviewer, "health.reviewer")
    case = reviewer.get(f"/workbench/cases/{case_id}").text
    assert 'id="parallel"' in case and first in case
    assert 'id="existing-result"' in case
    confirm = reviewer.get(f"/workbench/cases/{case_id}/approve").text
    assert 'id="existing-result"' in confirm and 'id="confirm-approve"' in confirm


def test_the_approve_page_shows_the_licence_to_be_issued(demo_client: TestClient) -> None:
    client = demo_client
    ref = start_as_mother(client)
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        application = submitted(session, ref)
        birth = application.cases[0]
        review.accept(session, staff(session, "health.reviewer"), birth)
        case_id = birth.id
    reviewer = TestClient(client.app)
    sign_in_staff(reviewer, "health.reviewer")
    page = reviewer.get(f"/workbench/cases/{case_id}/approve").text
    assert 'id="will-issue"' in page and "出生医学证明" in page
    assert "新生儿姓名" in page and 'data-field="child_gender"' in page
    assert 'id="existing-result"' not in page


def test_the_api_answers_409_naming_the_earlier_application(demo_client: TestClient) -> None:
    client = demo_client
    sign_in_citizen(client, mother_id(client))
    token = csrf_from(client, "/portal/applications")
    headers = {"X-CSRF-Token": token}
    first = client.post("/api/v1/services/applications", json={"bundle_code": "having-a-baby"},
                        headers=headers)  # fmt: skip
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/services/applications", json={"bundle_code": "having-a-baby"},
                        headers=headers)  # fmt: skip
    assert again.status_code == 409
    assert again.json()["existing"] == [first.json()["ref"]]
    forced = client.post(
        "/api/v1/services/applications",
        json={"bundle_code": "having-a-baby", "again": True},
        headers=headers,
    )
    assert forced.status_code == 201
