"""/healthz, /readyz and the readiness registry."""

from __future__ import annotations

from sqlalchemy import text

from onceonly.core import health


def test_healthz_is_alive_without_the_database(client) -> None:  # type: ignore[no-untyped-def]
    client.app.state.db.dispose()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_readyz_reports_database_migrations_and_jobs(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert checks["database"]["ok"] and checks["database"]["critical"]
    assert checks["migrations"]["ok"], checks["migrations"]
    assert checks["jobs"]["ok"] and "0 jobs waiting" in checks["jobs"]["detail"]


def test_readyz_is_503_when_migrations_are_behind(client, db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(text("DELETE FROM alembic_version WHERE version_num = 'ops_0001'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    failed = [c for c in body["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["migrations"]
    assert "ops_0001" in failed[0]["detail"]


def test_a_registered_critical_check_decides_readiness(client) -> None:  # type: ignore[no-untyped-def]
    def merge_delay(db, settings):  # type: ignore[no-untyped-def]
        raise health.NotReady("merge delay 42 s over the bound of 5 s")

    health.register_check("audit-merge-delay", merge_delay, critical=True)
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        check = next(c for c in response.json()["checks"] if c["name"] == "audit-merge-delay")
        assert check == check | {"ok": False, "critical": True}
        assert "42 s" in check["detail"]
        health.register_check("audit-merge-delay", lambda db, s: "0.2 s", critical=True)
        assert client.get("/readyz").status_code == 200
    finally:
        health._checks.pop("audit-merge-delay", None)


def test_a_department_down_is_reported_but_not_unready(demo_client, gateway, demo_db) -> None:  # type: ignore[no-untyped-def]
    from onceonly.catalog.models import Resource

    with demo_db.session() as session:
        resource = session.query(Resource).filter_by(code="t.residents").one()
        resource.connector_config = {"source": "ps", "table": "no_such_table"}
    response = demo_client.get("/readyz")
    assert response.status_code == 200, response.text
    checks = {c["name"]: c for c in response.json()["checks"]}
    broken = checks["connector:t.residents"]
    assert broken["ok"] is False and broken["critical"] is False
    assert sum(1 for name, c in checks.items() if name.startswith("connector:") and c["ok"]) > 3
