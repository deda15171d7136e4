"""Backups: the platform database, its sealed keys, and the files under the data dir
(witnessed checkpoints, open-data snapshots, the outbox) in one archive.

- PostgreSQL through `pg_dump --format=custom` and back through `pg_restore`;
- SQLite through its online backup API (consistent while the platform runs);
- signing keys and secrets travel sealed, inside the database: the master key is
  *not* in the archive (keep it apart; a restore needs the same one);
- the witness file (`ONCEONLY_WITNESS_PATH`) and everything under the data dir except
  the job queue and metrics scratch files.

The archive is a tar.gz with `manifest.json` first: each member's SHA-256, so a restore
refuses a damaged or edited archive before it touches anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from onceonly import __version__
from onceonly.audit.log.checkpoints import witness_path
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Invalid
from onceonly.core.settings import Settings

FORMAT = "onceonly-backup/1"
SKIPPED = ("jobs.db", "jobs.db-wal", "jobs.db-shm", "metrics")
DB_MEMBER = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


@dataclass(frozen=True)
class BackupReport:
    path: Path
    members: int
    bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as pg_dump/pg_restore understand it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(args: list[str], what: str) -> None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise Invalid(f"{args[0]} is not installed: {what} needs it", code="tool-missing") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise Invalid(f"{what} failed: {last}", code="backup-failed")


def _sqlite_copy(source_path: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while others write."""
    source = sqlite3.connect(source_path)
    try:
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()


def _dump_database(settings: Settings, target: Path) -> None:
    if settings.is_sqlite:
        source_path = make_url(settings.database_url).database or ""
        if not Path(source_path).exists():
            raise Invalid(f"no database file at {source_path}", code="no-database")
        _sqlite_copy(Path(source_path), target)
        return
    _run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={target}",
         libpq_url(settings.database_url)],
        "pg_dump",
    )  # fmt: skip


def _data_files(settings: Settings) -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = []
    root = settings.data_dir
    if root.exists():
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and rel.parts[0] not in SKIPPED:
                files.append((path, f"data/{rel.as_posix()}"))
    witness = witness_path(settings)
    if witness.is_file() and not witness.is_relative_to(root):
        files.append((witness, "witness/" + witness.name))
    return files


def backup(settings: Settings, out: Path) -> BackupReport:
    """Write one archive holding everything a restore needs but the master key."""
    backend = "sqlite" if settings.is_sqlite else "postgresql"
    with tempfile.TemporaryDirectory(prefix="onceonly-backup-") as tmp:
        dump = Path(tmp) / DB_MEMBER[backend]
        _dump_database(settings, dump)
        members = [(dump, DB_MEMBER[backend]), *_data_files(settings)]
        manifest = {
            "format": FORMAT,
            "version": __version__,
            "created_at": utcnow().isoformat(),
            "backend": backend,
            "witness_name": witness_path(settings).name,
            "master_key": "not included: restore with the same ONCEONLY_MASTER_KEY",
            "files": {name: _sha256(path) for path, name in members},
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            raw = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
            for path, name in members:
                tar.add(path, arcname=name, recursive=False)
        os.replace(partial, out)  # never a half-written archive under the real name
    return BackupReport(out, len(members), out.stat().st_size)


def read_manifest(archive: Path) -> dict[str, object]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, object] = json.loads(member.read())
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise Invalid(f"{archive} is not an onceonly backup ({exc})", code="bad-backup") from None
    if manifest.get("format") != FORMAT:
        raise Invalid(f"{archive}: unknown backup format", code="bad-backup")
    return manifest


def _database_is_empty(settings: Settings) -> bool:
    from sqlalchemy import inspect

    from onceonly.core.db import Database

    db = Database(settings.database_url)
    try:
        return not [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
    finally:
        db.dispose()


def restore(settings: Settings, archive: Path, *, force: bool = False) -> dict[str, object]:
    """Put an archive back: database, data files, witness. Checks every member's digest
    first; refuses a database that holds tables unless `force`."""
    manifest = read_manifest(archive)
    backend = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest["backend"] != backend:
        raise Invalid(
            f"the backup is of a {manifest['backend']} database; this platform uses {backend}",
            code="backend-mismatch",
        )
    if not force and not _database_is_empty(settings):
        raise Conflict(
            "the target database is not empty: restore into an empty one, or pass --force",
            code="database-not-empty",
        )
    expected: dict[str, str] = manifest["files"]  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(prefix="onceonly-restore-") as tmp:
        root = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(root, filter="data")
        for name, digest in expected.items():
            path = root / name
            if not path.is_file() or _sha256(path) != digest:
                raise Invalid(f"the backup is damaged: {name} does not match", code="bad-backup")
        _restore_database(settings, root / DB_MEMBER[backend])
        data = root / "data"
        if data.exists():
            shutil.copytree(data, settings.data_dir, dirs_exist_ok=True)
        witness = root / "witness" / str(manifest.get("witness_name"))
        if witness.is_file():  # a witness file kept outside the data dir
            witness_path(settings).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(witness, witness_path(settings))
    return manifest


def _restore_database(settings: Settings, dump: Path) -> None:
    if settings.is_sqlite:
        target = Path(make_url(settings.database_url).database or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(dump, target)
        return
    _run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={libpq_url(settings.database_url)}", str(dump)],
        "pg_restore",
    )  # fmt: skip
