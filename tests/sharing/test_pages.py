"""The sharing pages and API through a browser session; the operators' traffic page."""

from __future__ import annotations

from sqlalchemy import select

from onceonly.sharing.models import AccessRequest, Grant, RequestStatus
from tests.helpers import csrf_from, sign_in_staff


def test_request_review_revoke_through_pages(demo_client, demo_db, setup) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, "hrss.admin")
    page = demo_client.get("/workbench/sharing/new?resource=t.residents")
    assert page.status_code == 200 and "hrss-benefits" in page.text and "t.secret" not in page.text
    token = csrf_from(demo_client, "/workbench/sharing/new?resource=t.residents")
    response = demo_client.post(
        "/workbench/sharing/new",
        data={
            "csrf_token": token,
            "resource_code": "t.residents",
            "client_code": "hrss-benefits",
            "fields": ["id_number", "name", "address"],
            "purpose": "pension checks",
            "legal_basis": "Social Insurance Law",
            "duration_days": "90",
            "expected_volume": "50",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert "t.residents" in demo_client.get("/workbench/sharing/mine").text
    # the same request through the JSON API
    api = demo_client.post(
        "/api/v1/sharing/requests",
        json={
            "resource_code": "t.companies",
            "client_code": "hrss-benefits",
            "fields": ["name"],
            "purpose": "employer checks",
            "legal_basis": "law",
        },
        headers={"x-csrf-token": token},
    )
    assert api.status_code == 201 and api.json()["status"] == "approved"
    mine = demo_client.get("/api/v1/sharing/requests").json()
    assert {r["resource_code"] for r in mine if r["client_code"] == "hrss-benefits"} == {
        "t.residents",
        "t.companies",
    }
    demo_client.post("/sign-out", data={"csrf_token": token})

    demo_client.cookies.clear()
    sign_in_staff(demo_client, "ps.reviewer")
    queue = demo_client.get("/workbench/sharing/queue")
    assert "pension checks" in queue.text
    with demo_db.session() as session:
        request_id = session.scalars(
            select(AccessRequest.id).where(
                AccessRequest.status == RequestStatus.PENDING,
                AccessRequest.purpose == "pension checks",
            )
        ).one()
    token = csrf_from(demo_client, "/workbench/sharing/queue")
    response = demo_client.post(
        f"/workbench/sharing/requests/{request_id}/decide",
        data={"csrf_token": token, "decision": "approve", "fields": ["id_number", "name"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with demo_db.session() as session:
        request = session.get(AccessRequest, request_id)
        assert request.approved_fields == ["id_number", "name"]
        grant_id = request.grant_id
    grants = demo_client.get("/workbench/sharing/grants")
    assert f"/workbench/sharing/grants/{grant_id}/revoke" in grants.text
    response = demo_client.post(
        f"/workbench/sharing/grants/{grant_id}/revoke",
        data={"csrf_token": token, "reason": "audit finding"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with demo_db.session() as session:
        assert session.get(Grant, grant_id).revoked_at is not None


def test_traffic_page_is_for_operators(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, "hrss.admin")
    assert demo_client.get("/console/exchange").status_code == 403
    demo_client.cookies.clear()
    sign_in_staff(demo_client, "dsb.auditor")
    page = demo_client.get("/console/exchange?period=7d")
    assert page.status_code == 200 and "p95" in page.text
