"""`onceonly connectors test CODE` and `traffic` against the demo sources."""

from __future__ import annotations

from typer.testing import CliRunner

from onceonly.exchange.cli import app
from tests.exchange.conftest import register, residents_spec


def test_connector_test_command(demo_db, demo_settings, monkeypatch, gateway) -> None:  # type: ignore[no-untyped-def]
    from onceonly.core.settings import get_settings

    with demo_db.session() as session:
        register(
            session,
            "t.broken",
            "ps",
            **residents_spec(connector_config={"source": "ps", "table": "no_such_table"}),
        )
    monkeypatch.setenv("ONCEONLY_DATABASE_URL", demo_settings.database_url)
    monkeypatch.setenv("ONCEONLY_DATA_DIR", str(demo_settings.data_dir))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        key = gateway.people[0]["id_number"]
        result = runner.invoke(app, ["test", "t.residents", "--key", key])
        assert result.exit_code == 0, result.output
        assert "1 rows for key" in result.output and "ok" in result.output
        result = runner.invoke(app, ["test", "t.broken"])
        assert result.exit_code == 1 and "failed" in result.output
        assert runner.invoke(app, ["traffic"]).exit_code == 0
        assert runner.invoke(app, ["prune"]).exit_code == 0
    finally:
        get_settings.cache_clear()
