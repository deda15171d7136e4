"""In a real browser, on a phone (390 px): a resident books the visit an ID card still
needs and the clerk sees it on the day's list (SQLite); a resident pays the ID card fee
at the demo payment service and the application shows it paid once the service's signed
callback has reached the platform over HTTP (PostgreSQL).

Chromium and Playwright as in tests/test_browser.py (skipped, with the reason, where
either is missing).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from onceonly.core.calendar import CHINA_TZ
from onceonly.demo.province import DEMO_PASSWORD
from onceonly.services.visits.models import Appointment
from tests.services.test_browser_baby import _mother, no_sideways_scroll
from tests.services.trips_helpers import id_card_code
from tests.test_browser import _free_port, chromium, serving

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def trips_server(demo_settings, demo_db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app on a real port, knowing its own address: the payment service calls back
    to it."""
    port = _free_port()
    settings = demo_settings.model_copy(update={"base_url": f"http://127.0.0.1:{port}"})
    with serving(settings, demo_db, port) as url:
        yield url


@pytest.fixture
def phone(trips_server: str):  # type: ignore[no-untyped-def]
    with chromium() as browser:
        yield browser, browser.new_page(base_url=trips_server, viewport=PHONE, locale="zh-CN")


def _only_on(demo_settings: Any, backend: str) -> None:
    if not demo_settings.database_url.startswith(backend):
        pytest.skip(f"this journey runs on {backend} (the other one on the other database)")


def _apply_for_an_id_card(page: Any, demo_db: Any) -> str:
    with demo_db.session() as session:
        code = id_card_code(session)
    page.goto(f"/services/items/{code}")
    assert page.locator("#fee").count() == 1 and page.locator("#visit-needed").count() == 1
    no_sideways_scroll(page)
    with page.expect_navigation():
        page.click("#apply")
    with page.expect_navigation():
        page.click(f'button[data-person="{_mother(demo_db)}"]')
    with page.expect_navigation():
        page.click("#start")
    assert "/portal/applications/" in page.url
    return str(page.url)


def test_a_booked_appointment(phone, demo_db, demo_settings) -> None:  # type: ignore[no-untyped-def]
    _only_on(demo_settings, "sqlite")
    browser, page = phone
    application = _apply_for_an_id_card(page, demo_db)
    no_sideways_scroll(page)
    with page.expect_navigation():
        page.click("#book-visit")
    no_sideways_scroll(page)
    page.locator("input[name=slot_id]").first.check()
    with page.expect_navigation():
        page.click("button[id^=book-]")
    assert page.locator("[id^=booked-]").count() == 1
    with demo_db.session() as session:
        booked = session.scalars(select(Appointment)).one()
        code = booked.code
        day = booked.slot.starts_at.astimezone(CHINA_TZ).date().isoformat()
    assert code in page.locator("[id^=booked-]").inner_text()
    page.goto(application)
    assert code in page.locator("#trips").inner_text()

    clerk = browser.new_page(base_url=page.url.split("/portal")[0], viewport=PHONE, locale="zh-CN")
    clerk.goto("/sign-in")
    clerk.fill("#username", "ps.reviewer")
    clerk.fill("#password", DEMO_PASSWORD)
    with clerk.expect_navigation():
        clerk.click("button[type=submit]")
    clerk.goto(f"/workbench/visits?day={day}")
    assert code in clerk.locator("#bookings").inner_text()
    no_sideways_scroll(clerk)


def test_a_paid_fee(phone, demo_db, demo_settings) -> None:  # type: ignore[no-untyped-def]
    _only_on(demo_settings, "postgresql")
    _browser, page = phone
    application = _apply_for_an_id_card(page, demo_db)
    assert "¥20.00" in page.locator("#fees").inner_text()
    with page.expect_navigation():
        page.click("#pay")
    assert "/demo-pay/" in page.url
    no_sideways_scroll(page)
    with page.expect_navigation():
        page.click("#pay-now")
    assert page.locator("#outcome").count() == 1
    # The platform hears of it by the service's callback, after the cashier answered.
    for _ in range(50):
        page.goto(application)
        if page.locator("#payment-status").inner_text() == "已缴费":
            break
        time.sleep(0.2)
    assert page.locator("#payment-status").inner_text() == "已缴费"
    assert page.locator("#pay").count() == 0
    no_sideways_scroll(page)
