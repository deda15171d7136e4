"""A licence issued in province B verifies in province A from the federation set-up
alone: importing B's descriptor brought B's issuers into A's trust store."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from onceonly.demo.crossborder import WIFE
from onceonly.licences import service as licences
from onceonly.licences.models import TrustedIssuer
from tests.federation.conftest import Node

# One pair of servers per backend for the whole run: keep these tests on one worker.
pytestmark = pytest.mark.xdist_group("federation")


def test_a_licence_from_province_b_verifies_in_province_a(nodes: dict[str, Node]) -> None:
    a, b = nodes["A"], nodes["B"]
    wife = WIFE.person.id_number
    with b.db.session() as session:  # her wallet, at home in B
        licence = licences.find_for_holder(session, wife, "resident_id")[0]
        presentation = licences.make_presentation(
            session, licence, wife, {"name", "birth_date"}, aud="province-a-clerk"
        )
    with a.db.session() as session:
        origins = set(session.scalars(select(TrustedIssuer.origin)))
    assert b.url in origins
    answer = httpx.post(a.url + "/api/licences/verify", json={"presentation": presentation})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["outcome"] == "valid", body
    assert body["issuer"] == b.url + "/issuers/ps"
    assert body["claims"]["name"] == "陈思雨"

    # Tampered on the way: A refuses it although the issuer is recognised.
    head, *rest = presentation.split("~")
    forged = head[:-4] + ("AAAA" if not head.endswith("AAAA") else "BBBB")
    answer = httpx.post(a.url + "/api/licences/verify",
                        json={"presentation": "~".join([forged, *rest])})  # fmt: skip
    assert answer.json()["outcome"] != "valid"
