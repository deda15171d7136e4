"""婚育户一链办 across the border, end to end on two running provinces: the husband,
registered in A, applies in A for the having-a-baby bundle; his wife's household
register entry comes from province B, and he sees it, with where it came from, before
anything is used."""

from __future__ import annotations

from contextlib import closing

import httpx
import pytest
from sqlalchemy import select

from onceonly.demo.crossborder import HUSBAND, WIFE
from onceonly.identity.models import Person
from tests.federation.conftest import Node
from tests.helpers import CSRF

# One pair of servers per backend for the whole run: keep these tests on one worker.
pytestmark = pytest.mark.xdist_group("federation")


def _citizen(node: Node, id_number: str) -> httpx.Client:
    with node.db.session() as session:
        person_id = session.scalar(select(Person.id).where(Person.id_number == id_number))
    http = httpx.Client(base_url=node.url, timeout=60, follow_redirects=False)
    token = CSRF.search(http.get("/portal/sign-in").text)
    assert token is not None and person_id is not None
    reply = http.post("/portal/sign-in", data={"person_id": str(person_id),
                                                "csrf_token": token.group(1)})  # fmt: skip
    assert reply.status_code == 303, reply.text
    return http


def test_the_spouse_from_province_b_prefills_the_bundle_in_province_a(
    nodes: dict[str, Node],
) -> None:
    a = nodes["A"]
    with closing(_citizen(a, HUSBAND.person.id_number)) as http:
        reply = http.post("/api/v1/services/applications", json={"bundle_code": "having-a-baby"})
        assert reply.status_code == 201, reply.text
        application = reply.json()
        materials = {m["key"]: m for m in application["materials"]}
        marriage = materials["marriage_data"]
        assert marriage["state"] == "fetched"
        assert marriage["data"]["wife_id_number"] == WIFE.person.id_number
        spouse = materials["spouse_household"]
        assert spouse["state"] == "fetched" and spouse["origin"] == "CN-340000 ps.residents"
        assert spouse["data"]["name"] == "陈思雨"
        assert spouse["data"]["division_code"] == "340102"

        # The preview he confirms shows the data and where it came from.
        page = http.get(f"/portal/applications/{application['ref']}")
        assert page.status_code == 200
        assert "配偶户籍信息（外省）" in page.text and "陈思雨" in page.text
        assert "CN-340000" in page.text
