"""A throwaway database for one benchmark run: a SQLite file, or a fresh PostgreSQL
database on the server `--postgres` names (dropped afterwards)."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def make_database(postgres: str | None, workdir: Path, label: str) -> str:
    if postgres is None:
        return f"sqlite:///{workdir / f'bench-{label}.db'}"
    name = f"oo_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(postgres).set(database=name).render_as_string(hide_password=False)


def drop_database(postgres: str | None, url: str) -> None:
    if postgres is None:
        return
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()
