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


def test_cli_rotate_key_and_top_level_trust(demo_db, demo_settings, monkeypatch) -> None:
    from onceonly.cli import register_domain_commands
    from onceonly.core.settings import get_settings
    from onceonly.licences.credentials import keys

    monkeypatch.setenv("ONCEONLY_DATABASE_URL", demo_settings.database_url)
    monkeypatch.setenv("ONCEONLY_DATA_DIR", str(demo_settings.data_dir))
    get_settings.cache_clear()
    root = register_domain_commands()
    try:
        with demo_db.session() as session:
            ps = provincial(session, "public_security")
            before = len(keys.jwks(session, ps.id)["keys"])
            code = ps.code
        runner = CliRunner()
        result = runner.invoke(root, ["licences", "rotate-key", code])
        assert result.exit_code == 0, result.output
        with demo_db.session() as session:
            assert len(keys.jwks(session, ps.id)["keys"]) == max(before, 1) + 1
        assert runner.invoke(root, ["trust", "--help"]).exit_code == 0
        unknown = runner.invoke(root, ["licences", "rotate-key", "no-such-dept"])
        assert unknown.exit_code != 0
    finally:
        get_settings.cache_clear()
