"""The main pages in Chromium (issue 22): axe-core finds no serious or critical
accessibility violation on any of them, in Chinese and in English, and none scrolls
sideways on a phone, in elder mode either.

axe-core is vendored under tests/vendor (from the npm package `axe-core`); it is
injected into the page under test, never served by the app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onceonly.demo.province import DEMO_PASSWORD
from onceonly.services.applications import starting
from onceonly.services.casework import review
from tests.services.test_applications import applicant, featured, staff, submit_complete
from tests.services.test_browser_baby import browser, no_sideways_scroll  # noqa: F401
from tests.test_browser import server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"


def _case_waiting(demo_db, demo_settings) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The featured mother's having-a-baby application, submitted; its first case."""
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        application = starting.start(
            session, applicant(mother), bundle_code="having-a-baby", db=demo_db,
            settings=demo_settings,
        )  # fmt: skip
        submit_complete(session, application)
        case = application.cases[0]
        review.accept(session, staff(session, "health.reviewer"), case)
        return application.ref, case.id


def _pages(ref: str, case_id: int) -> dict[str, list[str]]:
    """The eleven main pages, by who sees them."""
    return {
        "": ["/", "/services", "/services/bundles/having-a-baby", "/portal/sign-in"],
        "resident": [f"/portal/applications/{ref}", "/portal/applications"],
        "health.reviewer": ["/workbench/cases", f"/workbench/cases/{case_id}",
                            f"/workbench/cases/{case_id}/approve"],
        "dsb.auditor": ["/console/supervision", "/console/once-only"],
    }  # fmt: skip


def _signed_in(browser: Any, server: str, who: str, mother: str, **options: Any) -> Any:  # noqa: F811
    # axe is injected as a script the page's CSP does not list: the test, not the app,
    # bypasses it (the CSP itself is tested in tests/hardening).
    page = browser.new_page(base_url=server, **{"locale": "zh-CN", "bypass_csp": True, **options})
    if who == "resident":
        page.goto("/portal/sign-in")
        with page.expect_navigation():
            page.click(f'button[data-person="{mother}"]')
    elif who:
        page.goto("/sign-in")
        page.fill("#username", who)
        page.fill("#password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
    return page


def _serious(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_no_serious_accessibility_violations(browser, server, demo_db, demo_settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    if not demo_settings.database_url.startswith("sqlite"):
        pytest.skip("the pages are the same on PostgreSQL; checked once")
    ref, case_id = _case_waiting(demo_db, demo_settings)
    with demo_db.session() as session:
        mother = featured(session, "new mother").id_number
    found: dict[str, list[str]] = {}
    checked = 0
    for lang in ("zh_CN", "en"):
        for who, paths in _pages(ref, case_id).items():
            page = _signed_in(browser, server, who, mother)
            page.goto(f"/prefs?lang={lang}&next=/")
            for path in paths:
                page.goto(path)
                checked += 1
                if path.startswith("/console/"):  # ECharts drew its charts, locally
                    page.wait_for_selector(".chart svg", timeout=5000)
                if problems := _serious(page):
                    found[f"{lang} {path}"] = problems
            page.close()
    assert checked == 22
    assert not found, found


def test_no_page_scrolls_sideways_on_a_phone(browser, server, demo_db, demo_settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    if demo_settings.database_url.startswith("sqlite"):
        pytest.skip("the layout is the same on SQLite; checked once, on PostgreSQL")
    ref, case_id = _case_waiting(demo_db, demo_settings)
    with demo_db.session() as session:
        mother = featured(session, "new mother").id_number
    for width in (360, 414):
        for elder in ("0", "1"):
            for who, paths in _pages(ref, case_id).items():
                page = _signed_in(
                    browser, server, who, mother, viewport={"width": width, "height": 800}
                )
                page.goto(f"/prefs?elder={elder}&lang=en&next=/")
                for path in paths:
                    page.goto(path)
                    no_sideways_scroll(page)
                page.close()
