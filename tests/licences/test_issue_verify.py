"""Issuing, presenting and every verifier outcome."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.core.actors import Actor
from onceonly.core.errors import Conflict, Invalid
from onceonly.licences import service, verification
from onceonly.licences.credentials import keys, sdjwt
from onceonly.licences.verification import verify_presentation

from .conftest import ISSUER, get_licence, provincial


def present(session, issued, names=("name",), nonce="n-1"):  # type: ignore[no-untyped-def]
    licence = get_licence(session, issued.serial)
    return service.make_presentation(session, licence, issued.holder, set(names), nonce=nonce)


def test_credential_is_sd_jwt_vc(demo_db, issued) -> None:
    parsed = sdjwt.parse(issued.credential)
    assert parsed.header["typ"] == "dc+sd-jwt" and parsed.header["alg"] == "ES256"
    payload = parsed.payload
    assert payload["vct"] == "urn:onceonly:licence:resident_id"
    assert payload["_sd_alg"] == "sha-256" and len(payload["_sd"]) == 5
    assert "name" not in payload and "id_number" not in payload  # all selective
    assert payload["cnf"]["jwk"]["kty"] == "EC"
    assert payload["status"]["status_list"]["uri"].endswith(f"/issuers/{issued.ps_code}/status")
    assert payload["exp"] > payload["iat"]


def test_valid_presentation_shows_only_disclosed(demo_db, issued) -> None:
    with demo_db.session() as session:
        text = present(session, issued, ("name", "birth_date"))
        result = verify_presentation(session, text, nonce="n-1", actor=Actor.public())
    assert result.outcome == "valid", result.reason
    assert set(result.claims) >= {"name", "birth_date"}
    assert "id_number" not in result.claims and "address" not in result.claims
    with demo_db.session() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"licence.issue", "licence.present", "licence.verify"} <= actions


def test_wrong_issuer_kind_and_duplicates_refused(demo_db, issued) -> None:
    with demo_db.session() as session:
        ca = provincial(session, "civil_affairs")
        with pytest.raises(Invalid):
            service.issue(
                session, ca, service.IssueRequest("resident_id", issued.holder, {}), ISSUER
            )
        ps = provincial(session, "public_security")
        claims = {
            "licence_no": "X1",
            "id_number": issued.holder,
            "vehicle_class": "C1",
            "first_issued": "2020-01-01",
            "valid_until": "2026-01-01",
        }
        request = service.IssueRequest("driving_licence", issued.holder, claims, "k1")
        service.issue(session, ps, request, ISSUER)
        with pytest.raises(Conflict):
            service.issue(session, ps, request, ISSUER)


def _tamper_disclosure(text: str) -> str:
    parts = text.split("~")
    salt, name, _ = json.loads(sdjwt.unb64(parts[1]))
    parts[1] = sdjwt.b64(json.dumps([salt, name, "Someone Else"]).encode())
    return "~".join(parts)


def test_outcomes(demo_db, issued) -> None:
    with demo_db.session() as session:
        good = present(session, issued)
        sig = good.split("~")[0].split(".")[2]
        bad_sig = good.replace(sig, sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB"), 1)
        cases = {
            "tampered_disclosure": _tamper_disclosure(good),
            "invalid_signature": bad_sig,
            "malformed": "not a presentation",
        }
        for expected, text in cases.items():
            assert verify_presentation(session, text).outcome == expected
        assert verify_presentation(session, good, nonce="other").outcome == "expired"
        # A presentation that lost its key binding cannot be replayed as-is.
        unbound = good.rsplit("~", 1)[0] + "~"
        assert verify_presentation(session, unbound).outcome == "tampered_disclosure"


def test_stale_presentation_expired(demo_db, issued, monkeypatch) -> None:
    with demo_db.session() as session:
        text = present(session, issued)
        later = time.time() + verification.PRESENTATION_TTL + 5
        monkeypatch.setattr(verification.time, "time", lambda: later)
        assert verify_presentation(session, text).outcome == "expired"


def test_revoke_suspend_resume(demo_db, issued) -> None:
    with demo_db.session() as session:
        service.change_status(session, issued.serial, "suspend", ISSUER)
        assert verify_presentation(session, present(session, issued)).outcome == "suspended"
        service.change_status(session, issued.serial, "resume", ISSUER)
        assert verify_presentation(session, present(session, issued)).outcome == "valid"
        service.change_status(session, issued.serial, "revoke", ISSUER)
        assert verify_presentation(session, present(session, issued)).outcome == "revoked"
        with pytest.raises(Conflict):
            service.change_status(session, issued.serial, "resume", ISSUER)


def test_unknown_issuer_not_recognised(demo_db, issued) -> None:
    foreign = keys.holder_key("91350100M000100Y43")  # any key the platform doesn't publish
    payload = {
        "iss": "https://elsewhere.example/issuers/x",
        "vct": "urn:onceonly:licence:x",
        "cnf": {"jwk": foreign.as_dict(private=False)},
    }
    cred = sdjwt.issue(payload, set(), foreign, {"alg": "ES256", "kid": "k"})
    text = sdjwt.present(cred, set(), foreign, "any", "n")
    with demo_db.session() as session:
        assert verify_presentation(session, text).outcome == "issuer_not_recognised"


def test_key_rotation_keeps_old_licences_valid(demo_db, issued) -> None:
    with demo_db.session() as session:
        ps = provincial(session, "public_security")
        old = keys.current_key(session, ps.id).kid
        new = keys.create_key(session, ps.id).kid
        assert old != new
        assert {k["kid"] for k in keys.jwks(session, ps.id)["keys"]} == {old, new}
        assert verify_presentation(session, present(session, issued)).outcome == "valid"


def test_expired_licence(demo_db, issued, monkeypatch) -> None:
    with demo_db.session() as session:
        text = present(session, issued)
    exp = sdjwt.parse(text).payload["exp"]
    monkeypatch.setattr(verification.time, "time", lambda: exp + 10)
    from onceonly.licences.credentials import sdjwt as sd

    monkeypatch.setattr(sd.time, "time", lambda: exp + 10)
    with demo_db.session() as session:
        licence = get_licence(session, issued.serial)
        fresh = service.make_presentation(session, licence, issued.holder, {"name"})
        assert verify_presentation(session, fresh).outcome == "expired"


def test_find_for_holder(demo_db, issued) -> None:
    with demo_db.session() as session:
        found = service.find_for_holder(session, issued.holder, "resident_id")
        assert issued.serial in [lic.serial for lic in found]
        assert all(lic.type_code == "resident_id" for lic in found)
        assert service.find_for_holder(session, "11010519491231002X", "business_licence") == []
