"""Status list, trust lists, bulk issue and the HTTP verifier."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jws
from sqlalchemy import func, select

from onceonly import cli
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings
from onceonly.demo.sources import source_url
from onceonly.identity.models import Person
from onceonly.licences import bulk, service, verification
from onceonly.licences.credentials import keys, sdjwt, status, trust
from onceonly.licences.models import Licence

from .conftest import ISSUER, provincial, resident_claims
from .test_issue_verify import present


def test_status_list_token(demo_client, demo_db, issued) -> None:
    with demo_db.session() as session:
        service.change_status(session, issued.serial, "suspend", ISSUER)
        index = service.licence_by_serial(session, issued.serial).status_index
        ps = provincial(session, "public_security")
        public = sdjwt.import_public(keys.jwks(session, ps.id)["keys"][0])
    response = demo_client.get(f"/issuers/{issued.ps_code}/status")
    assert response.headers["content-type"].startswith("application/statuslist+jwt")
    token = jws.deserialize_compact(response.text, public)
    assert token.protected["typ"] == "statuslist+jwt"
    lst = json.loads(token.payload)["status_list"]
    assert lst["bits"] == 2
    assert status.unpack(lst["lst"], index) == 2
    assert status.unpack(lst["lst"], index + 1 if index % 4 != 3 else index - 1) == 0


def test_status_list_covers_every_issued_index(demo_client, demo_db, issued) -> None:
    """Licences issued after the last non-valid one are in the list too, as valid (0)."""
    with demo_db.session() as session:
        service.change_status(session, issued.serial, "suspend", ISSUER)
        ps = provincial(session, "public_security")
        people = session.scalars(select(Person).order_by(Person.id).offset(1).limit(5)).all()
        for person in people:  # five more: the last is at least one byte further on
            request = service.IssueRequest("resident_id", person.id_number, resident_claims(person))
            service.issue(session, ps, request, ISSUER)
        highest = session.scalar(
            select(func.max(Licence.status_index)).where(Licence.issuer_department_id == ps.id)
        )
        public = sdjwt.import_public(keys.jwks(session, ps.id)["keys"][0])
    token = jws.deserialize_compact(
        demo_client.get(f"/issuers/{issued.ps_code}/status").text, public
    )
    lst = json.loads(token.payload)["status_list"]["lst"]
    assert [status.unpack(lst, i) for i in range(highest + 1)].count(2) == 1
    assert status.unpack(lst, highest) == 0


def test_pack_roundtrip() -> None:
    packed = status.pack({0: 1, 5: 2, 9: 1})
    assert [status.unpack(packed, i) for i in range(10)] == [1, 0, 0, 0, 0, 2, 0, 0, 0, 1]


def test_trust_list_export_import(demo_db, issued) -> None:
    with demo_db.session() as session:
        text = present(session, issued)
        document = trust.export_list(session)
        exporter = trust.platform_jwk(session)
    # Pretend the presentation comes from another region: change our base URL.
    from onceonly.core.settings import get_settings

    settings = get_settings()
    original = settings.base_url
    object.__setattr__(settings, "base_url", "https://other-region.example")
    try:
        with demo_db.session() as session:
            assert (
                verification.verify_presentation(session, text).outcome == "issuer_not_recognised"
            )
            with pytest.raises(Invalid):
                trust.import_list(
                    session, document, keys.holder_key("X").as_dict(private=False), ISSUER
                )
            with pytest.raises(Invalid):
                trust.import_list(session, document + "x", exporter, ISSUER)
            stored = trust.import_list(session, document, exporter, ISSUER)
            assert any(t.iss.endswith(f"/issuers/{issued.ps_code}") for t in stored)
            assert verification.verify_presentation(session, text).outcome == "valid"
            # Recognition per licence type: drop resident_id from that issuer.
            for row in stored:
                row.types = ["driving_licence"] if row.iss.endswith(issued.ps_code) else row.types
            session.flush()
            assert (
                verification.verify_presentation(session, text).outcome == "issuer_not_recognised"
            )
    finally:
        object.__setattr__(settings, "base_url", original)


def test_bulk_issue_resumable(demo_db, demo_settings) -> None:
    url = source_url(demo_settings.database_url, demo_settings.data_dir, "ca")
    with demo_db.session() as session:
        ca = provincial(session, "civil_affairs").code
    total = bulk.count_source(bulk.PLANS["marriage_cert"], url)
    assert total > 0
    seen: list[int] = []
    marriages = select(func.count()).where(Licence.type_code == "marriage_cert")
    with demo_db.session() as session:
        before = session.scalar(marriages) or 0  # the demo seeds some for featured people
    first = bulk.issue_bulk(
        demo_db,
        "marriage_cert",
        ca,
        url,
        ISSUER,
        batch=7,
        progress=lambda rows, done: seen.append(rows),
    )
    assert first + before == 2 * total and sum(seen) == total
    # A rerun (as after a crash) adds nothing.
    assert bulk.issue_bulk(demo_db, "marriage_cert", ca, url, ISSUER, batch=5) == 0
    with demo_db.session() as session:
        assert session.scalar(marriages) == 2 * total
        # Simulate a crash part-way: delete the last batch, rerun fills only the gap.
        last = session.scalars(select(Licence).order_by(Licence.id.desc()).limit(3))
        for licence in last:
            session.delete(licence)
    assert bulk.issue_bulk(demo_db, "marriage_cert", ca, url, ISSUER, batch=50) == 3


def test_base_url_follows_the_served_port(demo_client, issued) -> None:
    """`onceonly serve --port`/`demo --port` make the served address the base URL of
    issuer ids and Open311 links, unless ONCEONLY_BASE_URL is set."""
    well_known = f"/.well-known/jwt-vc-issuer/issuers/{issued.ps_code}"
    assert "ONCEONLY_BASE_URL" not in os.environ
    try:
        assert cli.follow_port("0.0.0.0", 8123).base_url == "http://127.0.0.1:8123"
        issuer = demo_client.get(well_known).json()["issuer"]
        assert issuer == f"http://127.0.0.1:8123/issuers/{issued.ps_code}"
        discovery = demo_client.get("/open311/v2/discovery.json").json()
        assert discovery["endpoints"][0]["url"] == "http://127.0.0.1:8123/open311/v2"
        os.environ["ONCEONLY_BASE_URL"] = "https://gov.example.cn"
        get_settings.cache_clear()
        assert cli.follow_port(None, 9000).base_url == "https://gov.example.cn"  # set: it wins
    finally:
        os.environ.pop("ONCEONLY_BASE_URL", None)
        get_settings.cache_clear()


def test_verify_api(demo_client, demo_db, issued) -> None:
    with demo_db.session() as session:
        text = present(session, issued, ("name",), nonce="q")
    body = demo_client.post("/api/licences/verify", json={"presentation": text}).json()
    assert body["outcome"] == "valid" and "name" in body["claims"]
    bad = demo_client.post("/api/licences/verify", json={"presentation": 12})
    assert bad.status_code == 422


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(st.text(alphabet="abcAB-_.=~0123456789", max_size=60), max_size=6).map("~".join),
        st.binary(max_size=100).map(lambda b: sdjwt.b64(b) + "." + sdjwt.b64(b) + ".x~"),
        st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=4).map(
            lambda d: (
                ".".join([sdjwt.b64(b'{"kid":1}'), sdjwt.b64(json.dumps(d).encode()), "s"])
                + "~"
                + sdjwt.b64(json.dumps(["s", 1, 2]).encode())
                + "~"
            )
        ),
    )
)
def test_verifier_fuzz_never_crashes(demo_db, garbage: str) -> None:
    with demo_db.session() as session:
        result = verification.verify_presentation(session, garbage)
    assert result.outcome in verification.OUTCOMES and result.outcome != "valid"


def test_demo_seeds_licences(demo_db) -> None:
    with demo_db.session() as session:
        types = set(
            session.scalars(select(Licence.type_code).where(Licence.source_key.is_not(None)))
        )
    assert {"resident_id", "marriage_cert"} <= types
