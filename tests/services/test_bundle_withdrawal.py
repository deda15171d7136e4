"""Withdrawing one item of a bundle (撤回单个事项): the others keep running; an item whose
result the others wait for is not withdrawn alone; the refusals; the page and the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from onceonly.core.errors import Conflict, NotFound
from onceonly.services.applications import applications
from onceonly.services.bundles import service as bundles
from onceonly.services.casework import review
from onceonly.services.models import ApplicationStatus, CaseStatus
from tests.helpers import csrf_from
from tests.services.test_application_pages import start_as_mother
from tests.services.test_applications import (  # noqa: F401 (autouse: start_baby needs it)
    _remember_settings,
    staff,
    start_baby,
    submit_complete,
)
from tests.services.test_reuse_and_dispute_pages import fill_and_submit


def test_one_item_is_withdrawn_and_the_others_keep_running(demo_db) -> None:  # type: ignore[no-untyped-def]
    ref = start_baby(demo_db)
    with demo_db.session() as session:
        application = applications.get_application(session, ref)
        with pytest.raises(Conflict) as draft:
            bundles.withdraw_case(session, application, application.cases[-1].id, "")
        assert draft.value.code == "not-submitted"
        submit_complete(session, application)
        birth, *others = application.cases
        # The others wait for the birth certificate: it is not withdrawn alone.
        with pytest.raises(Conflict) as needed:
            bundles.withdraw_case(session, application, birth.id, "")
        assert needed.value.code == "needed-by-others"
        with pytest.raises(NotFound):
            bundles.withdraw_case(session, application, 2**31 - 1, "")
        last = others[-1]
        bundles.withdraw_case(session, application, last.id, "改为线下办理")
        assert last.status is CaseStatus.WITHDRAWN and last.reason == "改为线下办理"
        assert {c.status for c in [birth, *others[:-1]]} == {CaseStatus.SUBMITTED}
        assert application.status is ApplicationStatus.SUBMITTED
        with pytest.raises(Conflict) as twice:
            bundles.withdraw_case(session, application, last.id, "")
        assert twice.value.code == "nothing-to-withdraw"
        # The rest is decided as usual, and the application completes.
        for case in [birth, *others[:-1]]:
            reviewer = staff(session, f"{case.department.code.split('-')[0]}.reviewer")
            review.accept(session, reviewer, case)
            review.approve(session, reviewer, case)
        assert application.status is ApplicationStatus.COMPLETED


def test_withdrawing_one_item_on_the_page_and_by_api(demo_client: TestClient) -> None:
    client = demo_client
    ref = start_as_mother(client)
    fill_and_submit(client, ref)
    cases = client.get(f"/api/v1/services/applications/{ref}").json()["cases"]
    page = client.get(f"/portal/applications/{ref}").text
    assert all(f'id="withdraw-case-{c["id"]}"' in page for c in cases)
    token = csrf_from(client, f"/portal/applications/{ref}")
    refused = client.post(f"/portal/applications/{ref}/cases/{cases[0]['id']}/withdraw",
                          data={"csrf_token": token})  # fmt: skip
    assert "flash error" in refused.text
    done = client.post(f"/portal/applications/{ref}/cases/{cases[-1]['id']}/withdraw",
                       data={"csrf_token": token, "reason": "不需要了"})  # fmt: skip
    assert done.status_code == 200 and 'data-status="withdrawn"' in done.text
    assert done.text.count('data-status="submitted"') == len(cases) - 1
    api = client.post(f"/api/v1/services/applications/{ref}/cases/{cases[-2]['id']}/withdraw",
                      json={"reason": "也不需要"})  # fmt: skip
    assert api.status_code == 200 and api.json()["status"] == "submitted"
    again = client.post(f"/api/v1/services/applications/{ref}/cases/{cases[-2]['id']}/withdraw",
                        json={})  # fmt: skip
    assert again.status_code == 409
