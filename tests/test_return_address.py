"""The return address survives sign-in with its query string, and only a relative path
on this site is ever followed (issue 22)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from onceonly.web.templating import safe_next
from tests.helpers import csrf_from
from tests.services.test_application_pages import mother_id


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/portal\r\nLocation: https://evil.example",
        "portal/apply",
    ],
)
def test_only_relative_paths_are_followed(target: str) -> None:
    assert safe_next(target, "/portal") == "/portal"


def test_a_path_with_its_query_string_is_kept() -> None:
    assert safe_next("/portal/apply?bundle=having-a-baby") == "/portal/apply?bundle=having-a-baby"


def test_signing_in_returns_to_the_bundle_being_applied_for(demo_client: TestClient) -> None:
    client = demo_client
    wanted = "/portal/apply?bundle=having-a-baby"
    bounced = client.get(wanted, headers={"accept": "text/html"}, follow_redirects=False)
    assert bounced.status_code == 303
    location = urlsplit(bounced.headers["location"])
    assert location.path == "/portal/sign-in"
    assert parse_qs(location.query)["next"] == [wanted]
    form = client.get(bounced.headers["location"]).text
    assert re.search(r'name="next" value="/portal/apply\?bundle=having-a-baby"', form)
    person_id = re.search(
        rf'name="person_id" value="(\d+)"><input type="hidden" name="next"[^>]*>\s*'
        rf'<button[^>]*data-person="{mother_id(client)}"',
        form,
    )
    assert person_id, "the featured mother is offered on the sign-in page"
    signed_in = client.post(
        "/portal/sign-in",
        data={
            "person_id": person_id.group(1),
            "next": wanted,
            "csrf_token": csrf_from(client, "/portal/sign-in"),
        },
        follow_redirects=False,
    )
    assert signed_in.headers["location"] == wanted
    assert "having-a-baby" in client.get(wanted).text


def test_the_language_switch_keeps_the_query_string(demo_client: TestClient) -> None:
    page = demo_client.get("/services?q=出生").text
    assert 'href="/prefs?lang=en&next=%2Fservices%3Fq%3D%25E5%2587%25BA%25E7%2594%259F"' in page
