"""In a real browser, the issue's demo journey: a parent signs in, starts "having a
baby", sees the fetched birth, marriage and household data, adds only what is missing
and submits; a reviewer of each department approves; the parent sees the results and
the look-ups in the data tracker.

Chromium and Playwright as in tests/test_browser.py (skipped, with the reason, where
either is missing).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from onceonly.core.meta import get_meta
from onceonly.demo.generator import CORE_STEP
from onceonly.demo.province import DEMO_PASSWORD
from tests.test_browser import ARGS, CHROMIUM, server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser
REVIEWERS = ("health", "ps", "hrss")  # the birth certificate first: the others need it


@pytest.fixture
def browser(server: str):  # type: ignore[no-untyped-def]  # noqa: F811
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _mother(demo_db) -> str:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        core = get_meta(session, CORE_STEP)
    return next(f["id_number"] for f in core["featured"] if f["story"].startswith("new mother"))


def _give_what_is_missing(page, scan: Path) -> int:  # type: ignore[no-untyped-def]
    """Fill or upload each material still asked for, one form at a time."""
    given = 0
    while True:
        missing = page.locator("#asked div.material[data-state=missing]")
        if missing.count() == 0:
            return given
        block = missing.first
        if block.locator("input[name=text]").count():
            block.locator("input[name=text]").fill("6222 0000 1111 2222")
        else:
            block.locator("input[type=file]").set_input_files(str(scan))
        with page.expect_navigation():
            block.locator("button[type=submit]").click()
        given += 1
        assert given < 10, "the same material is asked again and again"


def test_having_a_baby_end_to_end(browser, server: str, demo_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n% a scanned leave certificate\n")
    parent = browser.new_page(base_url=server, locale="zh-CN")
    parent.goto("/portal/sign-in?next=/services/bundles/having-a-baby")
    with parent.expect_navigation():
        parent.click(f'button[data-person="{_mother(demo_db)}"]')
    with parent.expect_navigation():
        parent.click("#apply")
    with parent.expect_navigation():
        parent.click("#start")

    fetched = parent.locator("#fetched")
    for key in ("birth_data", "marriage", "marriage_data", "household_data", "household"):
        assert fetched.locator(f"#m-{key}[data-state=fetched]").count() == 1, key
    assert "出生医学证明信息" in fetched.inner_text()  # named with its source
    assert _give_what_is_missing(parent, scan) <= 4  # only forms and uploads are asked
    parent.check("input[name=confirmed]")
    with parent.expect_navigation():
        parent.click("#submit")
    ref = parent.locator("#ref").inner_text()
    assert parent.locator("p.flash.error").count() == 0, parent.locator(
        "p.flash.error"
    ).all_inner_texts()
    assert parent.locator("#cases tr[data-status=submitted]").count() == 5, parent.locator(
        "main"
    ).inner_text()[:1500]

    for department in REVIEWERS:
        staff = browser.new_page(base_url=server, locale="zh-CN")
        staff.goto("/sign-in")
        staff.fill("#username", f"{department}.reviewer")
        staff.fill("#password", DEMO_PASSWORD)
        with staff.expect_navigation():
            staff.click("button[type=submit]")
        staff.goto("/workbench/cases?status=submitted")
        links = [a.get_attribute("href") for a in staff.locator("table a").all()]
        assert links, f"{department} has no cases"
        for href in links:
            staff.goto(href)
            with staff.expect_navigation():
                staff.click("#accept")
            with staff.expect_navigation():
                staff.click("#approve")
            assert staff.locator("#status").get_attribute("data-status") == "approved"
        staff.close()

    parent.goto(f"/portal/applications/{ref}")
    assert parent.locator("#cases tr[data-status=approved]").count() == 5
    assert "BIRTH_CERT" in parent.locator("#cases").inner_text()  # the e-licence result
    parent.goto("/portal/my-data")
    tracker = parent.content()
    assert ref in tracker and "出生医学证明信息" in tracker  # the birth data look-up
