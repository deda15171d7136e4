"""`onceonly catalog import|export` through the real entry point: the published example
list imports (dry run first), a bad file is refused row by row, export round-trips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_import_dry_run_errors_and_export(demo_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "ONCEONLY_DATABASE_URL": demo_settings.database_url,
        "ONCEONLY_DEMO_MODE": "true",
        "PYTHONPATH": str(ROOT / "src"),
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "onceonly", "catalog", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    example = ROOT / "docs" / "examples" / "sharing-list.csv"
    dry = run("import", str(example), "--dry-run")
    assert dry.returncode == 0 and "rows are valid; nothing written" in dry.stderr, dry.stderr
    done = run("import", str(example))
    assert done.returncode == 0 and "resources registered" in done.stderr, done.stderr
    bad = tmp_path / "bad.csv"
    lines = example.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace(",ps,", ",nope,", 1)]), encoding="utf-8")
    refused = run("import", str(bad))
    assert refused.returncode == 1 and "row 2, department" in refused.stderr
    assert "nothing was imported" in refused.stderr
    missing = run("import", str(tmp_path / "nothing.csv"))
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    assert run("export", "--format", "xml").returncode == 1
    exported = run("export", "--format", "json")
    assert exported.returncode == 0
    codes = {r["code"] for r in json.loads(exported.stdout)["resources"]}
    assert "ps.residents" in codes and "ca.divorces" in codes
