"""Audit log benchmark: append throughput and the time to verify a long log.

    PYTHONPATH=src python bench/audit_log.py --entries 1000000            # SQLite
    PYTHONPATH=src python bench/audit_log.py --entries 1000000 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Append: `record_many` in batches of 1,000 (what the gateway's ledger and bulk issuing
do: hash-chain each entry under one lock of the head, one transaction per batch)
against a baseline measured in the same run — plain multi-row INSERTs of the same
rows into a copy of the table, no hashing, no head lock. Verify: `verify_log` over the
whole log (streamed rows, SHA-256 per entry, one signed checkpoint).
Targets: append ≥ 10,000 entries/s; verify of 1,000,000 entries ≤ 30 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import Column, MetaData, Table, create_engine, insert, text
from sqlalchemy.engine import make_url

from onceonly.core.settings import DEMO_MASTER_KEY

os.environ.setdefault("ONCEONLY_MASTER_KEY", DEMO_MASTER_KEY)
os.environ["ONCEONLY_DEMO_MODE"] = "true"
BATCH = 1000


def make_database(postgres: str | None, workdir: Path) -> str:
    if postgres is None:
        return f"sqlite:///{workdir / 'bench-audit.db'}"
    name = f"oo_bench_audit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(postgres).set(database=name).render_as_string(hide_password=False)


def events(n: int, start: int):  # type: ignore[no-untyped-def]
    from onceonly.audit.service import Event
    from onceonly.core.actors import Actor

    actor = Actor("client", "7", "portal-services", None)
    for i in range(start, start + n):
        yield Event(
            "exchange.query", actor, "resource", "ps.residents",
            subject_id_number=f"11010519{(i % 90) + 10:02d}0101{i % 1000:03d}X"[:18],
            purpose="一网通办：预填申请人基本信息",
            detail={"grant": 3, "fields": ["name", "address"], "rows": 1},
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--postgres", help="URL of an existing server database (else SQLite)")
    args = parser.parse_args()

    from onceonly.audit.checkpoints import make_checkpoint
    from onceonly.audit.models import AuditEntry
    from onceonly.audit.service import record_many
    from onceonly.audit.verify import verify_log
    from onceonly.core.db import Database
    from onceonly.core.migrate import upgrade
    from onceonly.core.settings import get_settings

    workdir = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    url = make_database(args.postgres, workdir)
    os.environ["ONCEONLY_DATABASE_URL"] = url
    get_settings.cache_clear()
    db = Database(url)
    upgrade(db)
    backend = "PostgreSQL" if args.postgres else "SQLite"

    # Baseline: the same rows, plain INSERTs into a copy of the table.
    copy = Table(
        "bench_plain_entries",
        MetaData(),
        *(Column(c.name, c.type, primary_key=c.primary_key) for c in AuditEntry.__table__.columns),
    )
    copy.create(db.engine)
    sample = 50_000
    rows = [
        {"seq": i, "at": None, "actor": "client:7", "actor_label": "portal-services",
         "department_id": None, "action": "exchange.query", "object_type": "resource",
         "object_id": "ps.residents", "subject_ref": "x" * 64, "purpose": "p",
         "detail": {"grant": 3, "fields": ["name", "address"], "rows": 1},
         "prev_hash": "0" * 64, "hash": "0" * 64}
        for i in range(1, sample + 1)
    ]  # fmt: skip
    from onceonly.core.db import utcnow

    for row in rows:
        row["at"] = utcnow()
    began = time.perf_counter()
    for i in range(0, sample, BATCH):
        with db.engine.begin() as conn:
            conn.execute(insert(copy), rows[i : i + BATCH])
    plain = sample / (time.perf_counter() - began)

    began = time.perf_counter()
    done = 0
    while done < args.entries:
        n = min(BATCH, args.entries - done)
        with db.session() as session:
            record_many(session, list(events(n, done)))
        done += n
    append = args.entries / (time.perf_counter() - began)
    with db.session() as session:
        make_checkpoint(session)

    began = time.perf_counter()
    with db.session() as session:
        report = verify_log(session)
    verify_s = time.perf_counter() - began
    assert report.ok, report.line()
    db.dispose()
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()

    print(f"\n{backend}, {args.entries:,} entries, batches of {BATCH}, {platform.machine()}")
    print("| measure | result | baseline in the same run | target |")
    print("| --- | ---: | ---: | --- |")
    print(f"| append (record_many) | {append:,.0f} entries/s | plain INSERT {plain:,.0f} rows/s "
          f"({append / plain:.0%}) | ≥ 10,000/s |")  # fmt: skip
    per_million = verify_s * 1_000_000 / args.entries
    print(f"| verify {args.entries:,} | {verify_s:.1f} s ({args.entries / verify_s:,.0f}/s) | "
          f"→ {per_million:.0f} s per million | ≤ 30 s per million |")  # fmt: skip


if __name__ == "__main__":
    main()
