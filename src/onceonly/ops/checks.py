"""The platform's own readiness checks, registered at import (see `core.health`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from onceonly.core import metrics
from onceonly.core.db import Database
from onceonly.core.health import Check, NotReady, register_check, register_group
from onceonly.core.migrate import alembic_config
from onceonly.core.settings import Settings


def database(db: Database, settings: Settings) -> str:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return f"{db.engine.dialect.name} answers"


@cache
def scripts() -> ScriptDirectory:
    """The migrations this code ships (fixed for the life of the process)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def migrations(db: Database, settings: Settings) -> str:
    with db.engine.connect() as conn:
        current = tuple(MigrationContext.configure(conn).get_current_heads())
    script = scripts()
    known = {r.revision for r in script.walk_revisions()}
    if unknown := sorted(set(current) - known):
        raise NotReady(f"the database is ahead of this code: {', '.join(unknown)}")
    applied = {r.revision for r in script.iterate_revisions(current, "base") if r is not None}
    if missing := sorted(set(script.get_heads()) - applied):
        raise NotReady(f"migrations not applied: {', '.join(missing)} (run `onceonly db upgrade`)")
    return f"{len(applied)} revisions applied"


def job_backlog(db: Database, settings: Settings) -> str:
    from onceonly.ops.jobs import make_huey

    huey = make_huey(settings)
    waiting = int(huey.pending_count()) + int(huey.scheduled_count())
    if waiting > settings.jobs_backlog_max:
        raise NotReady(f"{waiting} jobs waiting (bound {settings.jobs_backlog_max})")
    return f"{waiting} jobs waiting"


def workers(db: Database, settings: Settings) -> str:
    """The processes sharing the metrics directory (app workers, a job runner on this
    host), from the files each keeps: one that died is reported until the next start."""
    directory = os.environ.get(metrics.MULTIPROC_ENV)
    if not directory:
        return "one process"
    pids = {
        int(match.group(1))
        for path in Path(directory).glob("*.db")
        if (match := re.search(r"_(\d+)\.db$", path.name))
    }
    alive = sorted(pid for pid in pids if _alive(pid))
    if gone := sorted(pids - set(alive)):
        raise NotReady(f"{len(alive)} process(es) alive; gone since start: {gone}")
    return f"{len(alive)} process(es) alive"


def _alive(pid: int) -> bool:
    """Running, and not a zombie its supervisor has yet to reap."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc: the signal answered
    return state not in ("Z", "X")


def connectors(db: Database, settings: Settings) -> Iterable[Check]:
    """One non-critical check per active resource's connector: a department being down
    is reported, and does not make the platform unready."""
    from onceonly.catalog.models import Resource
    from onceonly.exchange.connectors import SourceSpec, connector_for, spec_of

    with db.session() as session:
        resources = session.scalars(
            select(Resource).where(Resource.retired_at.is_(None)).order_by(Resource.code)
        ).all()
        specs = [(r.connector_kind, spec_of(r)) for r in resources]

    def probe(kind: object, spec: SourceSpec):
        def check(db: Database, settings: Settings) -> str:
            return connector_for(kind, spec, settings).check()  # type: ignore[arg-type]

        return check

    return [Check(f"connector:{spec.code}", probe(k, spec), critical=False) for k, spec in specs]


register_check("database", database, critical=True)
register_check("migrations", migrations, critical=True)
register_check("jobs", job_backlog, critical=True)
register_check("workers", workers, critical=False)
register_group("connectors", connectors)
