"""English pages hold no Chinese outside data values (issue 22).

The main portal and workbench pages (and the console's lists of departments and users)
are fetched in English mode, as a visitor, the featured new mother, a reviewer and the
platform admin see them. Every run of CJK characters in the text a reader sees (text
nodes, and the attributes shown or read aloud: title, aria-label, placeholder, alt)
fails the test unless it is a data value, taken from the database rather than guessed:
the name of a resident, a member of staff or a company, a value fetched into an
application (a hospital, a child's name, an address) or a claim of the resident's
licences. The only other exception is text a department publishes in Chinese alone
(an item guide's legal basis, conditions, fees and places), which the page marks
`lang="zh-CN"` and says so.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import select

from onceonly.identity.models import LegalEntity, Person, User
from onceonly.licences import service as licence_service
from onceonly.services.models import ApplicationCase, ApplicationMaterial
from tests.helpers import sign_in_citizen, sign_in_staff
from tests.services.test_applications import featured
from tests.test_browser_pages import _case_waiting

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
SKIPPED = {"script", "style"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class _Text(HTMLParser):
    """The text a reader sees, without elements marked as Chinese data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden from the check)
        self.parts: list[str] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        hidden = (
            self._hidden() or tag in SKIPPED or (values.get("lang") or "").lower().startswith("zh")
        )
        if not hidden:
            self.parts += [values[a] or "" for a in SHOWN_ATTRIBUTES if values.get(a)]
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.parts.append(data)


def chinese_in(html: str, allowed: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for part in parser.parts:
        for value in sorted(allowed, key=len, reverse=True):
            part = part.replace(value, " ")
        found += CJK.findall(part)
    return found


def test_the_checker_sees_text_and_attributes_but_not_marked_data() -> None:
    page = '<p title="标题">Hi 你好</p><p lang="zh-CN">数据<b>值</b></p><img alt="图"><p>王芳</p>'
    assert chinese_in(page, {"王芳"}) == ["标题", "你好", "图"]


def _data_values(session: Any, holder: str) -> set[str]:
    """What the platform holds about people, not what it says to them: names of
    residents, staff and companies, the values fetched into applications (a hospital, a
    child's name, an address) and the claims of the resident's licences."""
    values: set[Any] = set(session.scalars(select(Person.name)))
    values |= set(session.scalars(select(LegalEntity.name)))
    values |= set(session.scalars(select(User.display_name)))
    for data in session.scalars(select(ApplicationMaterial.data)):
        values |= {v for v in data.values() if isinstance(v, str)}
    for licence in licence_service.find_for_holder(session, holder):
        values |= {v for v in licence_service.claims_of(licence).values() if isinstance(v, str)}
    return {v for v in values if isinstance(v, str) and CJK.search(v)}


def test_english_pages_show_no_chinese_outside_data_values(
    demo_client, demo_db, demo_settings
) -> None:  # type: ignore[no-untyped-def]
    ref, case_id = _case_waiting(demo_db, demo_settings)
    with demo_db.session() as session:
        id_number = featured(session, "new mother").id_number
        item_code = session.get(ApplicationCase, case_id).item.code
        allowed = _data_values(session, id_number)
    pages = {
        "": ["/", "/services", "/services/bundles/having-a-baby", f"/services/items/{item_code}",
             "/catalog", "/portal/sign-in"],
        "resident": ["/portal", f"/portal/applications/{ref}", "/portal/applications",
                     "/portal/licences", "/portal/apply?bundle=having-a-baby"],
        "health.reviewer": ["/workbench", "/workbench/cases", f"/workbench/cases/{case_id}",
                            f"/workbench/cases/{case_id}/approve", "/workbench/services",
                            "/workbench/services/figures", "/workbench/catalog/needs"],
        "dsb.platform": ["/console/departments", "/console/users"],
        "dsb.auditor": ["/console/supervision", "/console/appeals/figures"],
    }  # fmt: skip
    found: dict[str, list[str]] = {}
    for who, paths in pages.items():
        demo_client.cookies.clear()
        demo_client.get("/prefs?lang=en&next=/")
        if who == "resident":
            sign_in_citizen(demo_client, id_number)
        elif who:
            sign_in_staff(demo_client, who)
        for path in paths:
            response = demo_client.get(path)
            assert response.status_code == 200, f"{path}: {response.status_code}"
            if words := chinese_in(response.text, allowed):
                found[path] = sorted(set(words))
            if path == "/portal/licences":  # claims by their labels, not their keys
                assert "ID number" in response.text and "> id_number:" not in response.text
    assert not found, {path: " ".join(words) for path, words in found.items()}


def test_chinese_pages_tell_the_demo_stories_and_the_prefill_in_chinese(
    demo_client, demo_db, demo_settings
) -> None:  # type: ignore[no-untyped-def]
    ref, _case_id = _case_waiting(demo_db, demo_settings)
    with demo_db.session() as session:
        id_number = featured(session, "new mother").id_number
    demo_client.get("/prefs?lang=zh_CN&next=/")
    sign_in = demo_client.get("/portal/sign-in").text
    assert "新手妈妈：宝宝出生 10 天，尚未登记" in sign_in
    assert "new mother" not in sign_in
    sign_in_citizen(demo_client, id_number)
    page = demo_client.get(f"/portal/applications/{ref}").text
    assert re.search(r"已获取 \d+/\d+ 项，用时 \d+ 毫秒", page), (
        "the prefill note is not in Chinese"
    )
    assert not re.search(r"\d+ fetched, \d+ ms", page)
