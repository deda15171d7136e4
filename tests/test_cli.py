"""The CLI: known failures are one line on stderr and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ONCEONLY_")}
    full.update(env, PYTHONPATH=SRC, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "onceonly", *args],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_malformed_database_url_is_one_line(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], {"ONCEONLY_DATABASE_URL": "mysql://x"}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ONCEONLY_DATABASE_URL" in lines[0]


def test_missing_master_key_outside_demo_mode(tmp_path: Path) -> None:
    result = run(["serve"], {"ONCEONLY_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, tmp_path)
    assert result.returncode == 2
    assert "ONCEONLY_MASTER_KEY" in result.stderr and "Traceback" not in result.stderr


CREATE_TAX_CLIENT = [
    "clients", "create", "tax.system", "--department", "tax", "--name", "Tax",
    "--scope", "exchange:query",
]  # fmt: skip


def test_users_and_clients_from_the_cli(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from onceonly.core.db import Database
    from onceonly.identity import service
    from onceonly.identity.models import RegionLevel

    db = Database(settings.database_url)
    with db.session() as session:
        service.add_region(session, "330000", "示范省", RegionLevel.province)
        service.add_department(session, code="tax", name="税务局", kind="tax", region_code="330000")
    db.dispose()
    env = {"ONCEONLY_DATABASE_URL": settings.database_url, "ONCEONLY_DEMO_MODE": "true"}
    created = run(CREATE_TAX_CLIENT, env, tmp_path)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("oo_")
    db = Database(settings.database_url)
    with db.session() as session:
        assert service.authenticate_client(session, key).code == "tax.system"
    db.dispose()
    again = run(CREATE_TAX_CLIENT, env, tmp_path)
    assert again.returncode == 1 and "exists already" in again.stderr
    unknown = run(["clients", "revoke", "nobody"], env, tmp_path)
    assert unknown.returncode == 1 and "no client" in unknown.stderr
    user = run(
        [
            "users",
            "create",
            "tax.clerk",
            "--department",
            "tax",
            "--name",
            "Clerk",
            "--role",
            "reviewer",
            "--password",
            "a-long-password",
        ],
        env,
        tmp_path,
    )
    assert user.returncode == 0, user.stderr
    short = run(
        [
            "users",
            "create",
            "tax.two",
            "--department",
            "tax",
            "--name",
            "Two",
            "--role",
            "reviewer",
            "--password",
            "short",
        ],
        env,
        tmp_path,
    )
    assert short.returncode == 1 and "at least 10" in short.stderr
