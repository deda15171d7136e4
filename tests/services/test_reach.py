"""Once-only reach (issue 18): the platform's own figure over the demo catalog, checked
against a count made independently from the service definitions; every item at most
one trip; and the having-a-baby bundle asks only for what no department holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.audit.service import subject_ref
from onceonly.core.db import Database
from onceonly.core.settings import Settings
from onceonly.services.applications import applications, prefill, starting
from onceonly.services.items import service
from onceonly.services.models import (
    ApplicationMaterial,
    MaterialState,
    ServiceItem,
    ServiceMaterial,
    SourceKind,
)
from onceonly.services.reach import figure, supply
from tests.helpers import sign_in_staff
from tests.services.test_applications import applicant, featured

# Written out here, not taken from the code under test: what a citizen is asked for.
ASKED_KINDS = {"form", "upload", None}
REUSED_KINDS = {"account"}
MISSING = MaterialState.MISSING


def _independent_count(demo_db: Database) -> dict[str, int]:
    with demo_db.session() as session:
        kinds = session.scalars(
            select(ServiceMaterial.source_kind)
            .join(ServiceItem, ServiceItem.id == ServiceMaterial.item_id)
            .where(ServiceItem.active.is_(True))
        ).all()
    values = [k.value if k is not None else None for k in kinds]
    asked = sum(v in ASKED_KINDS for v in values)
    reused = sum(v in REUSED_KINDS for v in values)
    return {"materials": len(values), "asked": asked, "reused": reused,
            "fetched": len(values) - asked - reused}  # fmt: skip


def test_the_figure_agrees_with_the_service_definitions(
    demo_db: Database, demo_client: TestClient
) -> None:
    expected = _independent_count(demo_db)
    with demo_db.session() as session:
        computed = figure.compute(session)
        trips = session.scalars(select(ServiceItem.max_trips).where(ServiceItem.active)).all()
    assert {k: getattr(computed, k) for k in expected} == expected
    assert (expected["fetched"] + expected["reused"]) / expected["materials"] >= 0.8
    assert all(t is not None and t <= 1 for t in trips)
    assert computed.items == len(trips) and computed.items_one_trip == len(trips)
    # The API and the console page show the same figure.
    sign_in_staff(demo_client, "dsb.auditor")
    body = demo_client.get("/api/v1/supervision/once-only").json()
    assert {k: body[k] for k in expected} == expected
    assert body["items_at_most_one_trip_share"] == 1.0 and body["spared_share"] >= 0.8
    assert sum(d["materials"] for d in body["departments"]) == expected["materials"]
    assert len(body["items_detail"]) == len(trips)
    page = demo_client.get("/console/once-only")
    assert page.status_code == 200 and "data-chart=" in page.text
    spared = (expected["fetched"] + expected["reused"]) / expected["materials"]
    assert f"{spared * 100:.1f}%" in page.text


def test_the_baby_bundle_asks_for_nothing_a_department_holds(
    demo_db: Database, demo_settings: Settings
) -> None:
    with demo_db.session() as session:
        mother = featured(session, "new mother")
        application = starting.start(
            session,
            applicant(mother),
            bundle_code="having-a-baby",
            db=demo_db,
            settings=demo_settings,
        )
        origins = {m.key: m.origin for m in application.materials}
        missing = {m.key: m.note for m in application.materials if m.state is MISSING}
        logged = session.scalars(
            select(AuditEntry).where(AuditEntry.subject_ref == subject_ref(mother.id_number))
        ).all()
    ours = [e for e in logged if application.ref in (e.purpose or "")]
    # The photo was looked up like any other data, with the application as its purpose,
    # and her account's contact details were used for it: both are in her tracker.
    assert any(e.action == "exchange.query" and e.object_id == "ps.id_photos" for e in ours)
    assert [e.action for e in ours].count("services.account_details_used") == 1
    assert missing == {}
    # The photo, bank account and maternity leave that used to be asked, from their holders.
    assert origins["photo"] == "ps.id_photos"
    assert origins["bank"] == "hrss.payout_accounts"
    assert origins["leave"] == "hrss.maternity_leaves"
    assert origins["contact"] == supply.ACCOUNT_ORIGIN


def _marriage_registration(demo_db: Database, story: str, settings: Settings) -> Any:
    """A featured resident applies to marry: the no-spouse declaration as prefilled."""
    with demo_db.session() as session:
        item = session.scalar(
            select(ServiceItem).where(
                ServiceItem.name == "内地居民结婚登记", ServiceItem.template_id.is_(None)
            )
        )
        person = featured(session, story)
        application = starting.start(
            session, applicant(person), item_code=item.code, db=demo_db, settings=settings
        )
        declaration = applications.material(application, "declaration")
        return declaration.state, declaration.origin, declaration.note, dict(declaration.data)


def test_the_no_spouse_declaration_is_derived_only_when_the_register_allows(
    demo_db: Database, demo_settings: Settings
) -> None:
    state, origin, _, data = _marriage_registration(demo_db, "wants to start", demo_settings)
    assert (state, origin, data["no_spouse"]) == (MaterialState.FETCHED, "ca.marriages", True)
    state, _, note, data = _marriage_registration(demo_db, "new father", demo_settings)
    assert (state, note, data) == (MISSING, supply.CONTRADICTED, {})


def _declaration(fetched: prefill.Fetched) -> ApplicationMaterial:
    material = ApplicationMaterial(
        key="declaration", name="无配偶声明", source_kind=SourceKind.DERIVED,
        state=MISSING, data={}, note=fetched.error,
    )  # fmt: skip
    supply._derive(material, fetched)
    return material


def test_a_refused_or_failed_fetch_derives_nothing() -> None:
    fetch = prefill.Fetch("declaration", "ca.marriages", ("cert_no", "status"), "X")
    for error in ("no grant for this resource", "the source did not answer"):
        material = _declaration(prefill.Fetched(fetch, error=error))
        assert (material.state, material.note, material.data) == (MISSING, error, {})
    nothing = _declaration(prefill.Fetched(fetch, error=prefill.NOT_FOUND))
    assert nothing.state is MaterialState.FETCHED and nothing.data["status"] == "none"
    divorced = _declaration(prefill.Fetched(fetch, row={"cert_no": "J1", "status": "divorced"}))
    assert divorced.state is MaterialState.FETCHED
    unknown = prefill.Fetch("declaration", "ps.residents", ("status",), "X")
    assert _declaration(prefill.Fetched(unknown, row={"status": "x"})).state is MISSING


def test_the_cli_report_shows_the_figure(demo_db: Database, demo_settings: Settings) -> None:
    env = {
        "ONCEONLY_DATABASE_URL": demo_settings.database_url,
        "ONCEONLY_DEMO_MODE": "true",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "200",
    }
    command = [sys.executable, "-m", "onceonly", "supervision", "report"]
    done = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    once_only = json.loads(done.stdout)["once_only"]
    expected = _independent_count(demo_db)
    assert {k: once_only[k] for k in expected} == expected
    table = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    spared = (expected["fetched"] + expected["reused"]) / expected["materials"]
    assert f"fetched or reused {spared * 100:.1f}% of {expected['materials']}" in table.stdout


def test_a_derived_material_needs_a_rule_for_its_resource() -> None:
    resources = {"ca.marriages": {"cert_no", "status"}, "ps.residents": {"status"}}

    def problem(code: str, fields: list[str]) -> str:
        material = SimpleNamespace(
            source_kind=SourceKind.DERIVED, resource_code=code, fields=fields, licence_type=""
        )
        return service.material_problem(material, resources)

    assert problem("ca.marriages", ["cert_no", "status"]) == ""
    assert problem("ca.marriages", ["nope"]) == "fields not in the data resource"
    assert problem("ps.residents", ["status"]) == "no rule derives a statement from this resource"
