"""Crash tests: a bulk job killed with SIGKILL halfway (a real subprocess), then run
again, loses nothing and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

import onceonly
from onceonly.catalog.models import Resource
from onceonly.core.settings import Settings
from onceonly.licences import bulk
from onceonly.licences.models import Licence

pytestmark = pytest.mark.slow


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(Path(onceonly.__file__).parents[1]),
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(settings.data_dir),
    }


def _cli(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "onceonly", *args],
        env=_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool], limit: float) -> None:
    """SIGKILL the process as soon as `ready()` holds; it must still be running then."""
    deadline = time.monotonic() + limit
    while not ready():
        assert process.poll() is None, "the job ended before it could be killed"
        assert time.monotonic() < deadline, "the job made no progress"
        time.sleep(0.01)
    assert process.poll() is None, "the job ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL


def _finish(settings: Settings, *args: str) -> None:
    process = _cli(settings, *args)
    _out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()


def test_a_killed_bulk_issue_resumes_without_loss_or_duplicates(demo_settings, demo_db) -> None:  # type: ignore[no-untyped-def]
    from onceonly.demo.sources import source_url
    from tests.licences.conftest import provincial

    plan = bulk.PLANS["marriage_cert"]
    url = source_url(demo_settings.database_url, demo_settings.data_dir, plan.source)
    expected = 2 * bulk.count_source(plan, url)  # one licence for each spouse
    marriages = select(func.count()).where(Licence.type_code == "marriage_cert")
    with demo_db.session() as session:
        before = session.scalar(marriages) or 0  # the demo issued the featured people's
        issuer = provincial(session, "civil_affairs").code

    def count() -> int:
        with demo_db.session() as session:
            return session.scalar(marriages) or 0

    args = ("licences", "issue-bulk", "marriage_cert", "--issuer", issuer, "--batch", "2")
    _kill_when(_cli(demo_settings, *args), lambda: count() >= before + 4, limit=300)
    assert before + 4 <= count() < expected
    _finish(demo_settings, *args)
    assert count() == expected
    with demo_db.session() as session:
        keys = select(func.count(func.distinct(Licence.source_key))).where(
            Licence.type_code == "marriage_cert"
        )
        assert session.scalar(keys) == expected  # every source row's licences, once each


def _writing(settings: Settings) -> Callable[[], bool]:
    """True once another connection has begun writing and not committed yet: on SQLite it
    holds the write lock (BEGIN IMMEDIATE fails at once); on PostgreSQL its transaction has
    an id (backend_xid is set only by a write)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 0})

        def locked() -> bool:
            with engine.connect() as conn:
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                except OperationalError:
                    return True
                conn.exec_driver_sql("ROLLBACK")
                return False

        return locked
    engine = create_engine(url)
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
    )

    def in_write() -> bool:
        with engine.connect() as conn:
            return bool(conn.execute(query).scalar_one())

    return in_write


def test_a_killed_catalog_import_leaves_all_or_nothing(demo_settings, demo_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    department = "hrss"
    with demo_db.session() as session:
        before = session.scalar(select(func.count()).select_from(Resource)) or 0
    rows = [
        f"hrss.crash{i:05d},崩溃测试 {i},{department},person,id_number,conditional,,,"
        f"id_number:string:personal;item{i}:string:internal"
        for i in range(3000)
    ]
    header = "code,name,department,subject_type,key_field,share_class,open_class,legal_basis,fields"
    sharing_list = tmp_path / "list.csv"
    sharing_list.write_text("\n".join([header, *rows]), encoding="utf-8")

    def count() -> int:
        with demo_db.session() as session:
            return (session.scalar(select(func.count()).select_from(Resource)) or 0) - before

    # Killed after it has written rows and before it commits: nothing may be left.
    process = _cli(demo_settings, "catalog", "import", str(sharing_list))
    _kill_when(process, _writing(demo_settings), limit=120)
    assert count() == 0  # one transaction: nothing half-written
    _finish(demo_settings, "catalog", "import", str(sharing_list))
    assert count() == len(rows)
    _finish(demo_settings, "catalog", "import", str(sharing_list))  # again: unchanged
    assert count() == len(rows)


def _table_counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect, table, text

    with db.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        skip = ("alembic_version", "platform_meta", "web_sessions", "catalog_search")
        return {
            name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names
            if not name.startswith(skip)
        } | {"meta": conn.execute(text("SELECT count(*) FROM platform_meta")).scalar_one()}


def test_a_killed_seed_resumes_to_the_same_province(backend, template_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from onceonly.core.db import Database
    from onceonly.core.meta import PlatformMeta
    from tests.conftest import make_settings

    args = ("seed", "demo", "--people", "60", "--seed", "3")
    urls = [backend.clone(template_url, "seed") for _ in range(2)]
    clean, crashed = (make_settings(url, tmp_path / f"data{i}") for i, url in enumerate(urls))
    try:
        _finish(clean, *args)
        db = Database(crashed.database_url)

        def steps() -> int:
            with db.session() as session:
                keys = session.scalars(select(PlatformMeta.key)).all()
                return sum(1 for key in keys if key.startswith("demo."))

        _kill_when(_cli(crashed, *args), lambda: steps() >= 3, limit=600)
        _finish(crashed, *args)
        reference = Database(clean.database_url)
        assert _table_counts(db) == _table_counts(reference)
        reference.dispose()
        db.dispose()
    finally:
        from onceonly.exchange.connectors.sql import dispose_engines

        dispose_engines()
        for url in urls:
            backend.drop(url)
