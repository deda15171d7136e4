"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

Each test gets a fresh, migrated database cloned from a per-run template (a file copy
on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), so tests are isolated and fast.
PostgreSQL runs are skipped, with a reason, when no server answers at
ONCEONLY_TEST_POSTGRES_URL (default: postgres on 127.0.0.1:5432, trust auth).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from onceonly.core.settings import DEMO_MASTER_KEY, Settings, get_settings

POSTGRES_URL = os.environ.get(
    "ONCEONLY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]
DEMO_PEOPLE = 300
DEMO_SEED = 7

# Services read settings through get_settings(); point them at test values.
os.environ["ONCEONLY_MASTER_KEY"] = DEMO_MASTER_KEY
os.environ["ONCEONLY_DEMO_MODE"] = "true"
# Anything that falls back on the global settings' data dir writes to a scratch folder.
os.environ.setdefault("ONCEONLY_DATA_DIR", tempfile.mkdtemp(prefix="onceonly-test-"))
get_settings.cache_clear()


def _postgres_available() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: skip, and say why
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}"
    return None


_PG_SKIP: str | bool | None = False  # False: not checked yet


def postgres_skip_reason() -> str | None:
    global _PG_SKIP
    if _PG_SKIP is False:
        _PG_SKIP = _postgres_available()
    return _PG_SKIP  # type: ignore[return-value]


@dataclass
class Backend:
    """Makes databases of one kind; `clone` copies a template into a new database."""

    name: str
    workdir: Path

    def new_url(self, label: str) -> str:
        if self.name == "sqlite":
            return f"sqlite:///{self.workdir / f'{label}-{uuid.uuid4().hex[:8]}.db'}"
        dbname = f"oo_{label}_{uuid.uuid4().hex[:10]}".lower()
        with _pg_admin() as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        return make_url(POSTGRES_URL).set(database=dbname).render_as_string(hide_password=False)

    def clone(
        self,
        template_url: str,
        label: str,
        template_dir: Path | None = None,
        data_dir: Path | None = None,
    ) -> str:
        if self.name == "sqlite":
            path = self.workdir / f"{label}-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(make_url(template_url).database or "", path)
            if template_dir is not None and data_dir is not None and template_dir.exists():
                shutil.copytree(template_dir, data_dir, dirs_exist_ok=True)
            return f"sqlite:///{path}"
        dbname = f"oo_{label}_{uuid.uuid4().hex[:10]}".lower()
        template = make_url(template_url).database
        with _pg_admin() as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}" TEMPLATE "{template}"'))
        return make_url(POSTGRES_URL).set(database=dbname).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if self.name == "postgresql":
            with _pg_admin() as conn:
                conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
                )


class _pg_admin:
    def __enter__(self):  # type: ignore[no-untyped-def]
        self.engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        self.conn = self.engine.connect()
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()
        self.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if request.param == "postgresql" and (reason := postgres_skip_reason()):
        pytest.skip(reason)
    return Backend(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture(scope="session")
def template_url(backend: Backend) -> Iterator[str]:
    """An empty database migrated to head, once per run and backend."""
    from onceonly.core.db import Database
    from onceonly.core.migrate import upgrade

    url = backend.new_url("template")
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    backend.drop(url)


def make_settings(url: str, data_dir: Path, **extra: object) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir,
        master_key=DEMO_MASTER_KEY,
        demo_mode=True,
        # Each test's job queue is its own: PostgreSQL demo tests share one data dir.
        **{"audit_sequencer": "external", "jobs_queue": f"t-{uuid.uuid4().hex[:10]}", **extra},
    )  # type: ignore[arg-type]


@pytest.fixture
def settings(backend: Backend, template_url: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh, migrated, empty platform database."""
    url = backend.clone(template_url, "t")
    yield make_settings(url, tmp_path / "data")
    backend.drop(url)


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    """The database the settings name, disposed of after the test."""
    from onceonly.core.db import Database

    database = Database(settings.database_url)
    yield database
    database.dispose()


@pytest.fixture
def db(settings: Settings):  # type: ignore[no-untyped-def]
    yield from _database(settings)


@pytest.fixture(scope="session")
def demo_template(
    backend: Backend, template_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """A database with the small demo province seeded, once per run and backend."""
    from rich.console import Console

    from onceonly.core.db import Database
    from onceonly.demo.generator import seed_demo
    from onceonly.exchange.connectors.sql import dispose_engines

    url = backend.clone(template_url, "demo")
    data_dir = tmp_path_factory.mktemp(f"demo-{backend.name}")
    db = Database(url)
    seed_demo(
        db,
        make_settings(url, data_dir),
        people=DEMO_PEOPLE,
        seed=DEMO_SEED,
        console=Console(quiet=True),
    )
    db.dispose()
    # Seeders reach the sources through connectors, whose pooled connections to this
    # template would stop PostgreSQL from copying it.
    dispose_engines()
    yield url, data_dir
    backend.drop(url)


@pytest.fixture
def demo_settings(
    backend: Backend, demo_template: tuple[str, Path], tmp_path: Path
) -> Iterator[Settings]:
    """Settings for a fresh copy of the seeded demo province (platform and sources)."""
    template, template_dir = demo_template
    data_dir = tmp_path / "data"
    url = backend.clone(template, "d", template_dir, data_dir)
    yield make_settings(url, data_dir if backend.name == "sqlite" else template_dir)
    backend.drop(url)


@pytest.fixture
def demo_db(demo_settings: Settings):  # type: ignore[no-untyped-def]
    yield from _database(demo_settings)


@pytest.fixture
def client(settings: Settings, db):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from onceonly.app import create_app

    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


@pytest.fixture
def demo_client(demo_settings: Settings, demo_db):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from onceonly.app import create_app

    with TestClient(create_app(demo_settings, demo_db)) as test_client:
        yield test_client


# The logs of the whole run ------------------------------------------------------------
# Every record any test makes goes, through the platform's own filters (request id,
# redaction), to one file per xdist worker; at the end the controller greps them all for
# valid citizen ID numbers and fails the run if one got through (issue 23).

LOG_DIR_ENV = "ONCEONLY_TEST_LOG_DIR"


def pytest_configure(config: pytest.Config) -> None:
    import logging
    import tempfile

    from onceonly.core.logs import TEXT_FORMAT, Redact, RequestId

    if not os.environ.get(LOG_DIR_ENV):  # the controller (or a run without xdist)
        os.environ[LOG_DIR_ENV] = tempfile.mkdtemp(prefix="onceonly-test-logs-")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    handler = logging.FileHandler(Path(os.environ[LOG_DIR_ENV]) / f"{worker}.log")
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestId())
    handler.addFilter(Redact())
    handler.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(min(logging.getLogger().level or logging.INFO, logging.INFO))


def id_numbers_in_logs(log_dir: Path) -> list[str]:
    """Lines of the run's logs that hold a valid GB 11643 ID number, unmasked."""
    import re

    from onceonly.identity.validators import InvalidIdentifier, parse_citizen_id

    # Not the filter's own pattern: every overlapping 18-character window, checksummed.
    candidate = re.compile(r"(?=(\d{17}[\dXx]))")
    found = []
    for path in sorted(log_dir.glob("*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            for match in candidate.finditer(line):
                try:
                    parse_citizen_id(match.group(1))
                except InvalidIdentifier:
                    continue
                found.append(f"{path.name}: {line[:300]}")
                break
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller reads every worker's file
    log_dir = Path(os.environ.get(LOG_DIR_ENV, ""))
    if not log_dir.is_dir():
        return
    leaks = id_numbers_in_logs(log_dir)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if leaks:
        if reporter is not None:
            reporter.write_sep("=", f"{len(leaks)} log line(s) hold an ID number", red=True)
            for leak in leaks[:20]:
                reporter.write_line(leak)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter is not None:
        lines = sum(1 for p in log_dir.glob("*.log") for _ in p.open(encoding="utf-8"))
        reporter.write_line(f"logs of this run: {lines} lines, no ID number unmasked")
    shutil.rmtree(log_dir, ignore_errors=True)
