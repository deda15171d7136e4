"""Metric names and values after known traffic, read through /metrics with the
Prometheus text parser of prometheus-client."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families


def scrape(client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_template(client) -> None:  # type: ignore[no-untyped-def]
    before = scrape(client)
    for _ in range(3):
        client.get("/healthz")
    client.get("/no/such/page/12345")
    after = scrape(client)
    key = {"method": "GET", "route": "/healthz", "status": "200"}
    assert (
        value(after, "onceonly_http_requests_total", **key)
        - value(before, "onceonly_http_requests_total", **key)
        == 3
    )
    counts = {labels for (name, labels) in after if name == "onceonly_http_requests_total"}
    assert all("12345" not in dict(labels)["route"] for labels in counts)
    hist = ("onceonly_http_request_duration_seconds_count", {"method": "GET", "route": "/healthz"})
    assert value(after, hist[0], **hist[1]) - value(before, hist[0], **hist[1]) == 3


def test_gateway_calls_refusals_and_source_latency(demo_client, gateway) -> None:  # type: ignore[no-untyped-def]
    before = scrape(demo_client)
    person = gateway.people[0]["id_number"]
    url = "/api/v1/exchange/t.residents/query"
    ok = demo_client.post(
        url, json={"subject_key": person, "purpose": "benefit check"}, headers=gateway.headers()
    )
    assert ok.status_code == 200, ok.text
    refused = demo_client.post(
        url,
        json={"subject_key": person, "purpose": "benefit check"},
        headers=gateway.headers(gateway.other_key),
    )
    assert refused.status_code == 403
    after = scrape(demo_client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    where = {"department": "hrss", "resource": "t.residents"}
    assert delta("onceonly_gateway_calls_total", **where, outcome="ok") == 1
    assert delta("onceonly_gateway_calls_total", **where, outcome="refused") == 1
    assert delta("onceonly_gateway_refusals_total", **where, reason="no-grant") == 1
    source = {"kind": "sql", "resource": "t.residents"}
    assert delta("onceonly_source_duration_seconds_count", **source) == 1


def test_overdue_cases_and_appeals_per_department_are_read_at_scrape(demo_client, demo_db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select, update

    from onceonly.appeals.models import ACCEPTED, Appeal
    from onceonly.core.db import utcnow
    from onceonly.identity.models import Department
    from onceonly.services.models import ApplicationCase, CaseStatus

    late = utcnow() - timedelta(days=1)
    with demo_db.session() as session:
        dept = session.scalar(select(Department.code).where(Department.code == "ps"))
        dept_id = session.scalar(select(Department.id).where(Department.code == "ps"))
        appeal_id = session.scalar(select(Appeal.id).limit(1))
        case_id = session.scalar(select(ApplicationCase.id).limit(1))
        # Nothing else of this department overdue: the figures are exactly ours.
        session.execute(
            update(Appeal)
            .where(Appeal.department_id == dept_id)
            .values(due_at=None, accept_by=None)
        )
        session.execute(
            update(ApplicationCase)
            .where(ApplicationCase.department_id == dept_id)
            .values(due_at=None)
        )
    samples = scrape(demo_client)
    assert value(samples, "onceonly_overdue_appeals", department=dept) == 0
    assert value(samples, "onceonly_overdue_cases", department=dept) == 0
    with demo_db.session() as session:
        session.execute(
            update(Appeal)
            .where(Appeal.id == appeal_id)
            .values(department_id=dept_id, status=ACCEPTED, due_at=late)
        )
        session.execute(
            update(ApplicationCase)
            .where(ApplicationCase.id == case_id)
            .values(department_id=dept_id, status=CaseStatus.SUBMITTED, due_at=late)
        )
    samples = scrape(demo_client)
    assert value(samples, "onceonly_overdue_appeals", department=dept) == 1
    assert value(samples, "onceonly_overdue_cases", department=dept) == 1
    assert value(samples, "onceonly_jobs_backlog") == 0


def test_audit_log_figures_follow_the_sequencer(client, db, settings) -> None:  # type: ignore[no-untyped-def]
    from onceonly.audit.log.sequencer import run
    from tests.audit.conftest import fill

    fill(db, 7, sequence=False)
    samples = scrape(client)
    assert value(samples, "onceonly_audit_unsequenced_entries") == 7
    assert value(samples, "onceonly_audit_tree_size") == 0
    before = value(samples, "onceonly_audit_merge_delay_seconds_count") or 0
    stop = threading.Event()
    fast = settings.model_copy(update={"audit_sequencer_interval": 0.05})
    worker = threading.Thread(target=run, args=(db, fast), kwargs={"stop": stop})
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while value(scrape(client), "onceonly_audit_tree_size") != 7:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(timeout=10)
    samples = scrape(client)
    assert value(samples, "onceonly_audit_unsequenced_entries") == 0
    assert value(samples, "onceonly_audit_merge_delay_seconds_count") >= before + 1


def test_metrics_token_is_required_when_set(settings, db) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from onceonly.app import create_app

    guarded = settings.model_copy(update={"metrics_token": "s3cret-scrape"})
    with TestClient(create_app(guarded, db)) as client:
        refused = client.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert scrape(client, authorization="Bearer s3cret-scrape")


def test_the_dashboard_and_alerts_use_only_metrics_that_exist(client) -> None:  # type: ignore[no-untyped-def]
    import re
    from pathlib import Path

    deploy = Path(__file__).resolve().parents[2] / "deploy"
    text = (deploy / "grafana" / "onceonly-dashboard.json").read_text(encoding="utf-8")
    text += (deploy / "prometheus" / "onceonly-alerts.yml").read_text(encoding="utf-8")
    used = {
        re.sub(r"_(bucket|count|sum|total)$", "", name)
        for name in re.findall(r"onceonly_[a-z_]+", text)
    }
    response = client.get("/metrics")
    families = {f.name for f in text_string_to_metric_families(response.text)}
    assert used and used <= families, used - families
