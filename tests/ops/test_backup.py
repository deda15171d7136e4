"""The drill: back up, wipe, restore, and `onceonly audit verify` passes; a damaged
archive and a non-empty target are refused before anything is touched."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from onceonly.audit.models import AuditCheckpoint, AuditEntry
from onceonly.core.db import Database
from onceonly.licences.models import IssuerKey
from tests.audit.conftest import fill
from tests.conftest import _pg_admin


def onceonly(settings, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(settings.data_dir),
        "ONCEONLY_AUDIT_WITNESS_FILE": str(settings.audit_witness_file),
    }
    return subprocess.run(
        [sys.executable, "-m", "onceonly", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def wipe(settings) -> None:  # type: ignore[no-untyped-def]
    """Lose the database, the data dir and the witness's copy."""
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
    else:
        with _pg_admin() as conn:
            conn.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    shutil.rmtree(settings.data_dir)
    settings.audit_witness_file.unlink()


def figures(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
            session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0,
            session.scalar(select(func.count()).select_from(IssuerKey)) or 0,
        )


def test_backup_wipe_restore_and_the_log_still_verifies(demo_settings, demo_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "drill-data"
    shutil.copytree(demo_settings.data_dir, data_dir)
    witness = tmp_path / "auditor" / "witness.txt"
    witness.parent.mkdir()
    settings = demo_settings.model_copy(
        update={"data_dir": data_dir, "audit_witness_file": witness}
    )
    fill(demo_db, 3, settings=settings)  # sequenced and signed: the witness holds it
    kept = witness.read_text(encoding="utf-8")
    assert kept.count("\u2014 ") >= 1
    before = figures(demo_db)
    assert before[2] > 0  # the departments' signing keys, sealed, travel in the database
    demo_db.dispose()
    archive = tmp_path / "backups" / "onceonly.tar.gz"

    made_backup = onceonly(settings, "backup", str(archive))
    assert made_backup.returncode == 0, made_backup.stderr
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json"
    assert "witness/witness.txt" in names
    assert any(n.startswith("data/sources/") for n in names) or not settings.is_sqlite

    wipe(settings)
    assert onceonly(settings, "audit", "verify").returncode != 0  # nothing left to verify

    restored = onceonly(settings, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    verified = onceonly(settings, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert figures(Database(settings.database_url)) == before
    assert witness.read_text(encoding="utf-8") == kept

    again = onceonly(settings, "restore", str(archive))  # the database is not empty now
    assert again.returncode == 1
    assert "not empty" in again.stderr and len(again.stderr.strip().splitlines()) == 1


def test_a_damaged_archive_is_refused_before_anything_changes(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"audit_witness_file": tmp_path / "w.txt"})
    archive = tmp_path / "good.tar.gz"
    assert onceonly(settings, "backup", str(archive)).returncode == 0
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(bad, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member)
            if member.name.startswith("database"):
                raw = bytearray(data.read())  # type: ignore[union-attr]
                raw[len(raw) // 2] ^= 0xFF
                member.size = len(raw)
                dst.addfile(member, io.BytesIO(bytes(raw)))
            else:
                dst.addfile(member, data)
    empty = _empty_like(settings, tmp_path)
    target = settings.model_copy(update={"database_url": empty})
    try:
        refused = onceonly(target, "restore", str(bad))
        assert refused.returncode == 1
        assert "damaged" in refused.stderr
        not_a_backup = tmp_path / "notes.txt"
        not_a_backup.write_text("hello")
        assert "not an onceonly backup" in onceonly(target, "restore", str(not_a_backup)).stderr
        probe = Database(empty)
        assert "audit_entries" not in inspect(probe.engine).get_table_names()  # untouched
        probe.dispose()
    finally:
        if not settings.is_sqlite:
            with _pg_admin() as conn:
                conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{make_url(empty).database}" WITH (FORCE)')
                )


def _empty_like(settings, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    if settings.is_sqlite:
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url = make_url(settings.database_url)
    name = f"{url.database}_empty"
    with _pg_admin() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False)
