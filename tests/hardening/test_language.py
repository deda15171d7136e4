"""The first page follows the browser's Accept-Language until the reader picks one."""

from __future__ import annotations

import pytest

from onceonly.web.i18n import negotiate


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "zh_CN"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "fr-FR, en;q=0.5, zh-CN;q=0.8", "zh_CN"),
        (None, "fr, de;q=0.5", "zh_CN"),
        (None, "en;q=0, zh-TW", "zh_CN"),
        (None, "en;q=abc, de", "zh_CN"),
        ("zh_CN", "en", "zh_CN"),
        ("en", "zh-CN", "en"),
        ("xx", "en-US", "en"),
    ],
)
def test_negotiate(cookie: str | None, header: str | None, expected: str) -> None:
    assert negotiate(cookie, header) == expected


def test_first_visit_in_english_until_the_reader_picks_chinese(client) -> None:  # type: ignore[no-untyped-def]
    english = {"accept-language": "en-US,en;q=0.9"}
    assert 'lang="en"' in client.get("/", headers=english).text
    client.get("/prefs?lang=zh_CN&next=/", headers=english)
    assert 'lang="zh-CN"' in client.get("/", headers=english).text
