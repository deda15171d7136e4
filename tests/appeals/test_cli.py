"""The appeals CLI: rules, the deadline watch, figures as CSV, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from onceonly.appeals.cli import app


def test_cli(demo_settings, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from onceonly.core.settings import get_settings

    monkeypatch.setenv("ONCEONLY_DATABASE_URL", demo_settings.database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(app, ["categories"])
        assert result.exit_code == 0 and "road-damage" in result.output
        assert runner.invoke(app, ["init"]).exit_code == 0
        result = runner.invoke(
            app, ["add-rule", "noise", "--department", "cg", "--region", "330100"]
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(app, ["sweep"])
        assert result.exit_code == 0 and "escalated" in result.output
        csv_path = tmp_path / "figures.csv"
        args = ["figures", "--start", "2025-01-01", "--end", "2027-12-31", "-o", str(csv_path)]
        assert runner.invoke(app, args).exit_code == 0
        assert csv_path.read_text().startswith("department,category")
    finally:
        get_settings.cache_clear()
    # Through the real entry point: a bad department is one line and a non-zero exit.
    env = {"ONCEONLY_DATABASE_URL": demo_settings.database_url, "ONCEONLY_DEMO_MODE": "true"}
    src = str(Path(__file__).resolve().parents[2] / "src")
    done = subprocess.run(
        [sys.executable, "-m", "onceonly", "appeals", "add-rule", "noise", "--department", "nope"],
        env={**env, "PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "no department with code nope" in done.stderr
