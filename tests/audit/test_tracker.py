"""The data tracker: a citizen sees every gateway look-up of their data — when, which
department and system, which data and fields, why — and nobody else's; CSV and JSON too."""

from __future__ import annotations

from tests.helpers import sign_in_citizen

URL = "/api/v1/exchange/t.residents/query"


def look_up(demo_client, gateway, id_number: str, purpose: str, ref: str = "") -> None:  # type: ignore[no-untyped-def]
    headers = gateway.headers() | ({"x-purpose-ref": ref} if ref else {})
    body = {"subject_key": id_number, "fields": ["name", "address"], "purpose": purpose}
    assert demo_client.post(URL, json=body, headers=headers).status_code == 200


def test_citizen_sees_who_looked_at_their_data(demo_client, gateway) -> None:  # type: ignore[no-untyped-def, misc]
    me, other = gateway.people[0]["id_number"], gateway.people[1]["id_number"]
    look_up(demo_client, gateway, me, "pension eligibility check", ref="APP-2026-001")
    look_up(demo_client, gateway, other, "someone else's check")
    look_up(demo_client, gateway, me, "second check")

    assert demo_client.get("/portal/my-data", follow_redirects=False).status_code in (303, 401)
    sign_in_citizen(demo_client, me)
    page = demo_client.get("/portal/my-data")
    assert page.status_code == 200
    assert "pension eligibility check" in page.text and "APP-2026-001" in page.text
    assert "hrss-benefits" in page.text and "name, address" in page.text
    assert "someone else's check" not in page.text
    assert page.text.index("second check") < page.text.index("pension eligibility check")

    only_data = demo_client.get("/portal/my-data?data_only=1")
    assert only_data.text.count('data-seq="') >= 2

    csv = demo_client.get("/portal/my-data.csv")
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("time,action,department,system,resource")
    assert sum("t.residents" in line for line in lines) == 2
    assert not any("someone else" in line for line in lines)

    api = demo_client.get("/api/v1/audit/my-accesses?data_only=true&limit=1")
    assert api.status_code == 200 and len(api.json()) == 1
    newest = api.json()[0]
    assert newest["purpose"] == "second check" and newest["resource"] == "t.residents"
    older = demo_client.get(f"/api/v1/audit/my-accesses?data_only=true&before={newest['id']}")
    assert older.json()[0]["purpose"] == "pension eligibility check"

    bad = demo_client.get("/portal/my-data?start=2026-99-01", headers={"accept": "text/html"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text


def test_the_log_never_holds_the_id_number(demo_client, demo_db, gateway) -> None:  # type: ignore[no-untyped-def, misc]
    from sqlalchemy import select

    from onceonly.audit.models import AuditEntry

    me = gateway.people[0]["id_number"]
    look_up(demo_client, gateway, me, "check")
    with demo_db.session() as session:
        for entry in session.scalars(select(AuditEntry)):
            assert me not in str(entry.detail) and me not in entry.object_id
            assert me not in entry.purpose and me not in entry.actor_label


def test_demo_residents_find_the_portals_look_ups(demo_client, demo_db) -> None:  # type: ignore[no-untyped-def]
    from onceonly.core.meta import get_meta
    from onceonly.demo.generator import CORE_STEP

    with demo_db.session() as session:
        featured = get_meta(session, CORE_STEP)["featured"][0]
    sign_in_citizen(demo_client, featured["id_number"])
    page = demo_client.get("/portal/my-data")
    assert "一网通办：预填申请人基本信息" in page.text and "portal-services" in page.text
    assert "YWTB-DEMO-001" in page.text


def test_export_as_json_matches_the_csv(demo_client, demo_db, gateway) -> None:  # type: ignore[no-untyped-def, misc]
    import json

    from onceonly.audit import tracker

    me = gateway.people[0]["id_number"]
    for n in range(3):
        look_up(demo_client, gateway, me, f"check {n} 核验")
    with demo_db.session() as session:
        items = json.loads("".join(tracker.iter_json(session, me, data_only=True)))
        lines = "".join(tracker.iter_csv(session, me, data_only=True)).splitlines()
        other = json.loads("".join(tracker.iter_json(session, gateway.people[1]["id_number"])))
    # (the demo may have looked this person up already: only ours are compared)
    ours = [i for i in items if i["purpose"].endswith("核验")]
    assert [i["purpose"] for i in ours] == ["check 2 核验", "check 1 核验", "check 0 核验"]
    assert ours[0]["fields"] == ["name", "address"] and ours[0]["resource"] == "t.residents"
    assert len(lines) == len(items) + 1 and not any("核验" in i["purpose"] for i in other)


def test_a_citizen_downloads_and_checks_the_proof_of_an_access(  # type: ignore[no-untyped-def]
    demo_client, demo_db, demo_settings, gateway, tmp_path
) -> None:
    import json
    import os
    import subprocess
    import sys

    from sqlalchemy import select

    from onceonly.audit.log import proofs
    from onceonly.audit.log.sequencer import sequence_all
    from onceonly.audit.models import AuditEntry
    from onceonly.audit.service import subject_ref

    me, other = gateway.people[0]["id_number"], gateway.people[1]["id_number"]
    look_up(demo_client, gateway, other, "not yours")
    with demo_db.session() as session:
        theirs = session.scalar(
            select(AuditEntry.id).where(AuditEntry.subject_ref == subject_ref(other))
        )
    look_up(demo_client, gateway, me, "proof check", ref="APP-PROOF-1")
    sign_in_citizen(demo_client, me)
    fresh = demo_client.get("/api/v1/audit/my-accesses?data_only=true&limit=1").json()[0]
    assert fresh["purpose"] == "proof check" and fresh["seq"] is None  # not yet sequenced
    assert "正在入账" in demo_client.get("/portal/my-data").text
    waiting = demo_client.get(f"/portal/my-data/{fresh['id']}/proof.json")
    assert waiting.status_code == 404

    sequence_all(demo_db, demo_settings)
    entry = demo_client.get("/api/v1/audit/my-accesses?data_only=true&limit=1").json()[0]
    assert entry["seq"] >= 1
    assert f"/portal/my-data/{entry['id']}/proof.json" in demo_client.get("/portal/my-data").text
    download = demo_client.get(f"/portal/my-data/{entry['id']}/proof.json")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    bundle = download.json()
    assert json.loads(bundle["entry"])["purpose"] == "proof check"
    checkpoint = proofs.check_bundle(bundle)
    assert checkpoint.size >= entry["seq"]
    assert demo_client.get(f"/api/v1/audit/my-accesses/{entry['id']}/proof").json() == bundle
    # Someone else's entry is not found, whoever asks.
    assert demo_client.get(f"/portal/my-data/{theirs}/proof.json").status_code == 404

    good, bad = tmp_path / "proof.json", tmp_path / "forged.json"
    good.write_text(json.dumps(bundle))
    forged = json.loads(bundle["entry"]) | {"purpose": "something innocent"}
    bad.write_text(json.dumps(bundle | {"entry": json.dumps(forged, sort_keys=True)}))
    env = {**os.environ, "ONCEONLY_DATABASE_URL": demo_settings.database_url}
    command = [sys.executable, "-m", "onceonly", "audit", "check-proof"]
    ok = subprocess.run([*command, str(good)], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and f"entry {entry['seq']:,}" in ok.stderr, ok.stderr
    no = subprocess.run([*command, str(bad)], capture_output=True, text=True, env=env)
    assert no.returncode == 1 and "not in the tree" in no.stderr


def test_an_entry_carries_the_request_id_of_its_request(demo_client, demo_db, gateway) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from onceonly.audit.models import AuditEntry

    me = gateway.people[0]["id_number"]
    body = {"subject_key": me, "fields": ["name"], "purpose": "traced check"}
    headers = gateway.headers() | {"x-request-id": "trace-4711"}
    assert demo_client.post(URL, json=body, headers=headers).status_code == 200
    with demo_db.session() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.purpose == "traced check")
        ).one()
    assert entry.detail["request_id"] == "trace-4711"
