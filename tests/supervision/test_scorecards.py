"""Supervision: a department that sits on requests, shares little and whose source fails
is flagged on the page, in the CSV and in the API; the rules themselves on known figures."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from onceonly.core.db import utcnow
from onceonly.exchange.models import ExchangeCall
from onceonly.identity import service as identity
from onceonly.sharing import service as sharing
from onceonly.sharing.figures import ProviderFigures
from onceonly.sharing.models import AccessRequest
from onceonly.sharing.schemas import RequestIn
from onceonly.supervision import service
from onceonly.supervision.service import Scorecard
from tests.exchange.conftest import SYSTEM, register, residents_spec
from tests.helpers import sign_in_staff
from tests.sharing.conftest import user


def codes(card: Scorecard) -> set[str]:
    return {f.code for f in service.flags_for(card)}


def test_rules_on_known_figures() -> None:
    quiet = Scorecard(1, "a", "A", resources=10, not_shared=3)
    assert codes(quiet) == set()  # 30% not shared is the ceiling, not over it
    closed = Scorecard(1, "a", "A", resources=10, not_shared=4)
    assert codes(closed) == {"catalog-closed"}
    slow = Scorecard(1, "a", "A", sharing=ProviderFigures(1, 10, 10, 8, 0, 2))
    assert codes(slow) == {"sharing-late", "sharing-overdue"}
    refusing = Scorecard(1, "a", "A", sharing=ProviderFigures(1, 4, 4, 4, 3, 0))
    assert codes(refusing) == {"sharing-refused"}
    too_few = Scorecard(1, "a", "A", sharing=ProviderFigures(1, 2, 2, 2, 2, 0))
    assert codes(too_few) == set()  # two refusals out of two is not yet a pattern
    failing = Scorecard(1, "a", "A", calls=100, upstream_errors=6)
    assert codes(failing) == {"source-failing"}
    assert codes(Scorecard(1, "a", "A", calls=10, upstream_errors=6)) == set()


@pytest.fixture
def slow_department(demo_db) -> str:  # type: ignore[no-untyped-def]
    """A department with one conditional and one closed resource, a request left unanswered
    past its deadline, and a source that fails one call in five."""
    with demo_db.session() as session:
        ps = identity.department_by_code(session, "ps")
        identity.add_department(
            session, code="t.slow", name="迟缓局", kind="test", region_code=ps.region_code
        )
        register(session, "t.slow.data", "t.slow", **residents_spec())
        register(
            session,
            "t.slow.secret",
            "t.slow",
            **residents_spec(share_class="not_shared", legal_basis="State secrets law"),
        )
        hrss = identity.department_by_code(session, "hrss")
        identity.create_client(
            session, code="hrss-t", name="T", department=hrss, scopes=["exchange:query"], by=SYSTEM
        )
        request = sharing.submit_request(
            session,
            RequestIn(
                resource_code="t.slow.data",
                client_code="hrss-t",
                fields=["id_number", "name"],
                purpose="pension checks",
                legal_basis="Social Insurance Law",
            ),
            user(session, "hrss.admin"),
        )
        request.due_at = utcnow() - timedelta(days=1)
        now = utcnow()
        session.add_all(
            ExchangeCall(
                at=now - timedelta(minutes=i),
                resource_code="t.slow.data",
                client_id=None,
                status=502 if i % 5 == 0 else 200,
                duration_ms=10.0 + i,
            )
            for i in range(25)
        )
    return "t.slow"


def test_slow_department_is_flagged(demo_db, slow_department) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        end = utcnow() + timedelta(minutes=1)
        cards = service.scorecards(session, end - timedelta(days=30), end)
        card = next(c for c in cards if c.department_code == slow_department)
        assert (card.resources, card.not_shared, card.calls, card.upstream_errors) == (2, 1, 25, 5)
        assert card.sharing is not None and card.sharing.overdue_now == 1
        assert {f.code for f in card.flags} == {
            "catalog-closed",
            "sharing-overdue",
            "source-failing",
        }
        # most flagged first
        assert [len(c.flags) for c in cards] == sorted((len(c.flags) for c in cards), reverse=True)
        assert session.scalar(select(AccessRequest.id)) is not None


def test_pages_csv_and_api(demo_client, slow_department) -> None:  # type: ignore[no-untyped-def]
    assert demo_client.get("/console/supervision", follow_redirects=False).status_code in (
        303,
        401,
    )
    sign_in_staff(demo_client, "dsb.auditor")
    page = demo_client.get("/console/supervision")
    assert page.status_code == 200
    assert 'data-department="t.slow"' in page.text and 'class="bad"' in page.text

    csv = demo_client.get("/console/supervision.csv")
    assert csv.content.startswith("\ufeff".encode())
    header, *rows = csv.content.decode("utf-8-sig").splitlines()
    assert header.startswith("department_code,department,resources,not_shared")
    slow = next(r for r in rows if r.startswith("t.slow,"))
    assert slow.endswith("sharing-overdue;catalog-closed;source-failing")

    api = demo_client.get("/api/v1/supervision/scorecards")
    assert api.status_code == 200
    body = api.json()
    slow_json = next(d for d in body["departments"] if d["department_code"] == "t.slow")
    assert slow_json["requests_overdue_now"] == 1 and slow_json["source_error_rate"] == 0.2

    detail = demo_client.get("/console/supervision/t.slow")
    assert detail.status_code == 200 and "t.slow.data" in detail.text

    bad = demo_client.get("/api/v1/supervision/scorecards?start=2026-13-01")
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    reversed_ = demo_client.get(
        "/console/supervision?start=2026-05-01&end=2026-04-01", headers={"accept": "text/html"}
    )
    assert reversed_.status_code == 422 and "text/html" in reversed_.headers["content-type"]
    assert "起始日期晚于结束日期" in reversed_.text  # zh-CN by default, readable
    assert demo_client.get("/console/supervision/nope").status_code == 404


def test_staff_without_a_supervising_role_is_refused(demo_client) -> None:  # type: ignore[no-untyped-def]
    sign_in_staff(demo_client, "ps.reviewer")
    assert demo_client.get("/api/v1/supervision/scorecards").status_code == 403
    assert demo_client.get("/console/supervision").status_code == 403


def test_cli_report_and_bad_period(demo_settings, slow_department) -> None:  # type: ignore[no-untyped-def]
    env = {
        "ONCEONLY_DATABASE_URL": demo_settings.database_url,
        "ONCEONLY_DEMO_MODE": "true",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "onceonly", "supervision", "report", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    done = run("--csv")
    assert done.returncode == 0, done.stderr
    assert any(line.startswith("t.slow,") for line in done.stdout.splitlines())
    bad = run("--start", "2026-02-30")
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_incomplete_service_guides_are_flagged(demo_db) -> None:  # type: ignore[no-untyped-def]
    from onceonly.services.items import service as services

    with demo_db.session() as session:
        incomplete = services.completeness(session)
        assert incomplete, "the demo has deliberately incomplete guides"
        end = utcnow()
        cards = {
            c.department_id: c for c in service.scorecards(session, end - timedelta(days=30), end)
        }
        owners = {i.item.department_id for i in incomplete}
        for department_id in owners:
            card = cards[department_id]
            assert "services-incomplete" in {f.code for f in card.flags}
        assert sum(c.incomplete_guides for c in cards.values()) == len(incomplete)


def test_overdue_service_cases_flag_the_handling_department(demo_db, demo_settings) -> None:  # type: ignore[no-untyped-def]
    from onceonly.services.applications import starting
    from tests.services.test_applications import applicant, featured, submit_complete

    with demo_db.session() as session:
        mother = featured(session, "new mother")
        application = starting.start(
            session, applicant(mother), bundle_code="having-a-baby", settings=demo_settings
        )
        submit_complete(session, application)
        late = application.cases[0]
        late.due_at = utcnow() - timedelta(hours=1)
        session.flush()
        now = utcnow()
        cards = service.scorecards(session, now - timedelta(days=1), now + timedelta(days=1))
        card = next(c for c in cards if c.department_id == late.department_id)
        assert card.services is not None and card.services.overdue == 1
        assert "services-overdue" in {f.code for f in card.flags}
