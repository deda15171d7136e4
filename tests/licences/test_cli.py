"""The CLI: bulk issue and trust export/import."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from onceonly.licences.cli import app

from .conftest import provincial


def test_cli_bulk_and_trust(demo_db, demo_settings, monkeypatch, tmp_path: Path) -> None:
    from onceonly.core.settings import get_settings

    monkeypatch.setenv("ONCEONLY_DATABASE_URL", demo_settings.database_url)
    monkeypatch.setenv("ONCEONLY_DATA_DIR", str(demo_settings.data_dir))
    get_settings.cache_clear()
    try:
        with demo_db.session() as session:
            ca = provincial(session, "civil_affairs").code
        runner = CliRunner()
        result = runner.invoke(app, ["issue-bulk", "marriage_cert", "--issuer", ca])
        assert result.exit_code == 0, result.output
        assert "issued" in result.output
        again = runner.invoke(app, ["issue-bulk", "marriage_cert", "--issuer", ca])
        assert "issued 0 new" in again.output
        doc, key = tmp_path / "trust.jws", tmp_path / "key.json"
        result = runner.invoke(app, ["trust", "export", "-o", str(doc), "--key-output", str(key)])
        assert result.exit_code == 0, result.output
        result = runner.invoke(app, ["trust", "import", str(doc), "--key", str(key)])
        assert result.exit_code == 0 and "recognised" in result.output
    finally:
        get_settings.cache_clear()
