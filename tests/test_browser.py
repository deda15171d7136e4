"""In a real browser: staff sign-in, elder mode that persists, and the language switch.

Playwright drives Debian's Chromium (/usr/bin/chromium; `.ci/run` installs it). Skipped,
with the reason, where either is missing.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(settings, db, port: int) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app on a real port in a thread, until the block ends."""
    import uvicorn

    from onceonly.app import create_app

    config = uvicorn.Config(
        create_app(settings, db), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def server(demo_settings, demo_db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(demo_settings, demo_db, _free_port()) as url:
        yield url


@contextmanager
def chromium():  # type: ignore[no-untyped-def]
    """Debian's Chromium driven by Playwright until the block ends; the test is skipped,
    with the reason, where either is missing."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(server: str):  # type: ignore[no-untyped-def]
    with chromium() as browser:
        yield browser.new_page(base_url=server, locale="zh-CN")


def test_staff_signs_in_and_sees_the_workbench(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/workbench")
    assert "/sign-in" in page.url  # a person is sent to the sign-in page, not given JSON
    page.fill("#username", "ps.reviewer")
    page.fill("#password", "demo-password-2024")
    page.click("button[type=submit]")
    page.wait_for_url("**/workbench")
    assert "ps.reviewer" in page.content()


def test_elder_mode_persists_and_enlarges_text(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("#elder-toggle")
    page.wait_for_load_state()
    assert "elder" in (page.get_attribute("body", "class") or "")
    page.goto("/portal")
    page.reload()
    assert "elder" in (page.get_attribute("body", "class") or "")
    larger = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert larger >= normal * 1.3
    page.screenshot(path="/tmp/onceonly-elder.png", full_page=True)


def test_language_switch_to_english_and_back(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "让数据多跑路" in page.content()
    page.click("#lang-en")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert "Let the data run, not the people" in page.content()
    page.goto("/portal")
    assert page.get_attribute("html", "lang") == "en"  # the choice persists
    page.click("#lang-zh_CN")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-CN"
