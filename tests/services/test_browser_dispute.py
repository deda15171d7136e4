"""In a real browser on a phone (390 px): a parent says the hospital fetched for the
birth is wrong, from the application page; the health reviewer finds the dispute in the
workbench and corrects it; the parent's application shows the corrected value, the
answer and the refresh. No page scrolls sideways.

Chromium and Playwright as in tests/test_browser.py (skipped, with the reason, where
either is missing). One database only (SQLite): the page tests cover both.
"""

from __future__ import annotations

from typing import Any

import pytest

from onceonly.demo.province import DEMO_PASSWORD
from tests.services.test_browser_baby import _mother, browser, no_sideways_scroll  # noqa: F401
from tests.test_browser import server  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("asking_guides")]
PHONE = {"width": 390, "height": 844}
CORRECTED = "示范市妇幼保健院（更正）"


def _sign_in_staff(page: Any, username: str) -> None:
    page.goto("/sign-in")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_a_dispute_is_answered_and_the_application_refreshes(  # type: ignore[no-untyped-def]
    browser,  # noqa: F811
    server: str,  # noqa: F811
    demo_db,
    demo_settings,
) -> None:
    if not demo_settings.database_url.startswith("sqlite"):
        pytest.skip("one browser run is enough: on SQLite")
    parent = browser.new_page(base_url=server, viewport=PHONE, locale="zh-CN")
    parent.goto("/portal/sign-in")
    with parent.expect_navigation():
        parent.click(f'button[data-person="{_mother(demo_db)}"]')
    parent.goto("/portal/apply?bundle=having-a-baby")
    with parent.expect_navigation():
        parent.click("#start")
    ref = parent.locator("#ref").inner_text()
    hospital = parent.locator('#fetched #m-birth_data dd[data-field="hospital"]')
    assert hospital.inner_text() and hospital.inner_text() != CORRECTED
    parent.select_option("#dispute-material", "birth_data")
    parent.fill("#dispute-claim", "出生医院不是这家")
    with parent.expect_navigation():
        parent.click("#dispute-send")
    assert parent.locator("#dispute-list li[data-status=open]").count() == 1
    no_sideways_scroll(parent)

    staff = browser.new_page(base_url=server, viewport=PHONE, locale="zh-CN")
    _sign_in_staff(staff, "health.reviewer")
    staff.goto("/workbench/disputes")
    no_sideways_scroll(staff)
    with staff.expect_navigation():
        staff.locator("#disputes a").first.click()
    assert "出生医院不是这家" in staff.locator("#claim").inner_text()
    staff.fill("#c-hospital", CORRECTED)
    staff.fill("#note", "经核对出生登记，已更正出生医院")
    no_sideways_scroll(staff)
    with staff.expect_navigation():
        staff.click("#answer")
    assert staff.locator("#answered").count() == 1

    parent.goto(f"/portal/applications/{ref}")
    assert hospital.inner_text() == CORRECTED
    assert parent.locator("#dispute-list li[data-status=corrected]").count() == 1
    assert parent.locator('.timeline li[data-kind="Refreshed"]').count() == 1
    no_sideways_scroll(parent)
