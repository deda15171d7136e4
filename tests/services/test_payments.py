"""Fees and payment: the fee on the guide, an order paid by the demo service's signed
callback, the callback's refusals (bad signature, stale, replayed, unknown order, wrong
amount), a decline, no approval while unpaid, and reconciliation."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from onceonly.core.calendar import CHINA_TZ
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict
from onceonly.core.settings import Settings
from onceonly.services.applications import applications, starting
from onceonly.services.casework import review
from onceonly.services.payments import demo_provider, reconcile, service, signing
from onceonly.services.payments.connector import connector_for
from onceonly.services.payments.models import DemoProviderOrder, PaymentStatus
from tests.helpers import csrf_from, sign_in_citizen, sign_in_staff
from tests.services.test_api_applications import problem
from tests.services.test_applications import (  # noqa: F401 (autouse fixture)
    _remember_settings,
    demo_settings_of,
    featured,
    staff,
    submit_complete,
)
from tests.services.trips_helpers import id_card_code, start_id_card
from tests.test_cli import SRC

ACTOR = starting.PORTAL_ACTOR
CALLBACK = "/api/v1/payments/callbacks/demo"
# Nothing listens here: the callback the cashier page sends after answering fails, as it
# would while the platform is down, and the test delivers it again through the client.
UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture
def pay_client(demo_settings: Settings, demo_db) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from onceonly.app import create_app

    settings = demo_settings.model_copy(update={"base_url": UNREACHABLE})
    with TestClient(create_app(settings, demo_db)) as client:
        yield client


def _order(demo_db):  # type: ignore[no-untyped-def]
    settings = demo_settings_of(demo_db)
    with demo_db.session() as session:
        application = start_id_card(session, settings)
        payment = service.start_payment(
            session, application, connector_for("demo", settings), ACTOR, settings
        )
        return application.ref, payment.order_no, payment.provider_ref, payment.amount_cents


def reconcile_command(settings: Settings, day: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PYTHONPATH": SRC,
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(settings.data_dir),
        "ONCEONLY_DEMO_MODE": "1",
        "PATH": "/usr/bin:/bin",
    }
    args = [sys.executable, "-m", "onceonly", "payments", "reconcile", "--day", day]
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _signed(demo_db, body: dict, at: float | None = None, event: str = "evt_1"):  # type: ignore[no-untyped-def, type-arg]
    raw = json.dumps(body).encode()
    secret = demo_provider.demo_secret(demo_settings_of(demo_db))
    return signing.signed_headers(secret, event, raw, at or time.time()), raw


def test_the_fee_on_the_guide_paid_at_the_cashier_by_signed_callback(
    pay_client: TestClient, demo_db
) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        mother = featured(session, "new mother").id_number
        ref = start_id_card(session, demo_settings_of(demo_db)).ref
        code = id_card_code(session)
    guide = pay_client.get(f"/services/items/{code}").text  # the fee, before applying
    assert 'id="fee"' in guide and "¥20.00" in guide and "居民身份证法" in guide
    assert 'id="visit-needed"' in guide
    sign_in_citizen(pay_client, mother)
    page = pay_client.get(f"/portal/applications/{ref}")
    assert 'id="fees"' in page.text and "¥20.00" in page.text
    token = csrf_from(pay_client, f"/portal/applications/{ref}")
    sent = pay_client.post(
        f"/portal/applications/{ref}/pay", data={"csrf_token": token}, follow_redirects=False
    )
    assert sent.status_code == 303 and "/demo-pay/DP" in sent.headers["location"]
    cashier = sent.headers["location"].removeprefix(UNREACHABLE)
    assert "¥20.00" in pay_client.get(cashier).text
    paid = pay_client.post(cashier, data={"csrf_token": token, "outcome": "pay"})
    assert 'id="outcome"' in paid.text
    bill = pay_client.get(f"/api/v1/payments/applications/{ref}").json()
    assert bill["status"] == "pending"  # the callback did not get through
    settings = demo_settings_of(demo_db)
    assert demo_provider.deliver_callbacks(demo_db, settings, client=pay_client) == 1
    bill = pay_client.get(f"/api/v1/payments/applications/{ref}").json()
    assert bill["paid"] and bill["status"] == "paid" and bill["due_cents"] == 2000
    assert demo_provider.deliver_callbacks(demo_db, settings, client=pay_client) == 0
    back = pay_client.get(f"/portal/payments/{bill['order_no']}", follow_redirects=False)
    assert back.headers["location"] == f"/portal/applications/{ref}#fees"


def test_bad_callbacks_are_refused(demo_client: TestClient, demo_db) -> None:  # type: ignore[no-untyped-def]
    _ref, order_no, provider_ref, amount = _order(demo_db)
    body = {"order_no": order_no, "provider_ref": provider_ref, "status": "paid",
            "amount_cents": amount}  # fmt: skip
    headers, raw = _signed(demo_db, body)
    problem(demo_client.post(CALLBACK, content=raw), 401)
    forged = {**headers, signing.SIGNATURE: "0" * 64}
    assert problem(demo_client.post(CALLBACK, content=raw, headers=forged), 401)["type"].endswith(
        "bad-signature"
    )
    tampered = json.dumps({**body, "amount_cents": 1}).encode()
    problem(demo_client.post(CALLBACK, content=tampered, headers=headers), 401)
    old_headers, _ = _signed(demo_db, body, at=time.time() - 3600)
    stale = problem(demo_client.post(CALLBACK, content=raw, headers=old_headers), 401)
    assert stale["type"].endswith("expired-callback")
    unknown_headers, unknown = _signed(demo_db, {**body, "order_no": "PAYNOPE"}, event="evt_2")
    assert problem(demo_client.post(CALLBACK, content=unknown, headers=unknown_headers), 404)[
        "type"
    ].endswith("unknown-order")
    wrong_headers, wrong = _signed(demo_db, {**body, "amount_cents": 1}, event="evt_3")
    problem(demo_client.post(CALLBACK, content=wrong, headers=wrong_headers), 409)
    problem(demo_client.post("/api/v1/payments/callbacks/nope", content=raw, headers=headers), 404)
    ok = demo_client.post(CALLBACK, content=raw, headers=headers)
    assert ok.status_code == 200 and ok.json() == {"order_no": order_no, "status": "paid"}
    replay = problem(demo_client.post(CALLBACK, content=raw, headers=headers), 409)
    assert replay["type"].endswith("replayed-callback")


def _pay_at_cashier(session, settings: Settings, provider_ref: str, pay: bool) -> None:  # type: ignore[no-untyped-def]
    """The payer decides at the cashier; its signed callback is applied as received."""
    order = demo_provider.decide(session, provider_ref, pay=pay)
    headers, raw = demo_provider.callback_of(
        order, demo_provider.demo_secret(settings), time.time()
    )
    event = connector_for("demo", settings).parse_callback(headers, raw, time.time())
    service.apply_callback(session, "demo", event)


def test_no_approval_while_unpaid_declined_then_paid(demo_client: TestClient, demo_db) -> None:  # type: ignore[no-untyped-def]
    settings = demo_settings_of(demo_db)
    connector = connector_for("demo", settings)
    with demo_db.session() as session:
        application = start_id_card(session, settings)
        submit_complete(session, application)
        case = application.cases[0]
        review.accept(session, staff(session, "ps.reviewer"), case)
        case_id = case.id
    sign_in_staff(demo_client, "ps.reviewer")
    assert 'id="fee-unpaid"' in demo_client.get(f"/workbench/cases/{case_id}/approve").text
    token = csrf_from(demo_client, f"/workbench/cases/{case_id}")
    answer = demo_client.post(
        f"/workbench/cases/{case_id}/approve", data={"csrf_token": token, "confirmed": "1"}
    )
    assert answer.status_code == 200 and "未缴费" in answer.text  # refused, said on the page
    with demo_db.session() as session:
        application = applications.get_application(session, application.ref)
        case = application.cases[0]
        assert case.status.value == "accepted"
        reviewer = staff(session, "ps.reviewer")
        with pytest.raises(Conflict) as unpaid:
            review.approve(session, reviewer, case)
        assert unpaid.value.code == "fee-unpaid"
        first = service.start_payment(session, application, connector, ACTOR, settings)
        assert service.start_payment(session, application, connector, ACTOR, settings) is first
        _pay_at_cashier(session, settings, first.provider_ref, pay=False)
        assert first.status is PaymentStatus.FAILED and first.failure == "card declined"
        second = service.start_payment(session, application, connector, ACTOR, settings)
        assert second.order_no != first.order_no
        _pay_at_cashier(session, settings, second.provider_ref, pay=True)
        review.approve(session, reviewer, case)
        assert case.status.value == "approved"
        with pytest.raises(Conflict):
            service.start_payment(session, application, connector, ACTOR, settings)


def test_reconciliation_flags_what_differs(demo_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = demo_settings_of(demo_db)
    connector = connector_for("demo", settings)
    today = utcnow().astimezone(CHINA_TZ).date()
    lost, wrong, fine = (_order(demo_db) for _ in range(3))
    with demo_db.session() as session:
        assert reconcile.reconcile(session, connector, today) == []
        demo_provider.decide(session, lost[2], pay=True)  # paid; the callback never came
        row = demo_provider.order_at_cashier(session, wrong[2])
        row.amount_cents += 1
        session.add(DemoProviderOrder(provider_ref="DPstray", merchant_order="PAYSTRAY",
                                      amount_cents=500, notify_url=UNREACHABLE))  # fmt: skip
        session.flush()
        found = {(m.order_no, m.kind) for m in reconcile.reconcile(session, connector, today)}
    assert found == {
        (lost[1], "status-differs"),
        (wrong[1], "amount-differs"),
        ("PAYSTRAY", "missing-here"),
    }
    assert fine[1] not in {order for order, _ in found}
    # The same from the command line: listed, and exit 1.
    result = reconcile_command(demo_settings_of(demo_db), today.isoformat(), tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"{lost[1]}\tstatus-differs" in result.stdout
