"""Audit log benchmark: append from several writer processes while the sequencer runs as
its own process, the merge delay under that load, full verify, and the consistency check.

    PYTHONPATH=src python bench/audit_log.py --entries 1000000                 # SQLite
    PYTHONPATH=src python bench/audit_log.py --entries 1000000 --writers 4 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Append: `record_many` in batches of 1,000 from `--writers` processes (each its own
connection, as app processes are), against a baseline measured in the same run: plain
multi-row INSERTs of the same rows into a copy of the table from one process. Reported
for the whole run and for the first and last 20,000 entries (is it flat?).
Sequencer: `onceonly audit sequencer` as a separate process from the start; its
throughput is the entries it numbered over the time until none waited.
Merge delay: a probe inserts one entry every 50 ms during the load and times how long
until the sequencer has numbered it (p50, p99).
Verify: `verify_log` over the whole log in worker processes; consistency: the check from
the first signed checkpoint to the newest (`verify_from_checkpoint`).
Targets: append ≥ 10,000 entries/s and flat; verify of 1,000,000 ≤ 30 s; consistency
check ≤ 1 s at any size; merge delay ≤ 1 s.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import make_database
from sqlalchemy import Column, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from onceonly.core.settings import DEMO_MASTER_KEY

os.environ.setdefault("ONCEONLY_MASTER_KEY", DEMO_MASTER_KEY)
os.environ["ONCEONLY_DEMO_MODE"] = "true"
BATCH = 1000


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


def writer(url: str, start: int, count: int, stamps: list[float]) -> None:
    """Append `count` entries in batches; note the time after each commit."""
    from onceonly.audit.service import record_many
    from onceonly.core.db import Database
    from onceonly.core.registry import import_all_models

    import_all_models()
    db = Database(url)
    done = 0
    while done < count:
        n = min(BATCH, count - done)
        with db.session() as session:
            record_many(session, list(events(n, start + done)))
        done += n
        stamps.append(time.perf_counter())


PROBE = {"actor": "probe", "actor_label": "probe", "action": "probe", "object_type": "",
         "object_id": "", "purpose": "", "detail": {}}  # fmt: skip


def probe(url: str, stop: multiprocessing.synchronize.Event, delays: list[float]) -> None:  # type: ignore[name-defined]
    """One entry every 50 ms; how long until it has its number."""
    from sqlalchemy import insert as sa_insert

    from onceonly.audit.models import AuditEntry
    from onceonly.core.db import Database, utcnow
    from onceonly.core.registry import import_all_models

    import_all_models()
    db = Database(url)
    while not stop.is_set():
        with db.session() as session:
            entry_id = session.execute(
                sa_insert(AuditEntry).returning(AuditEntry.id),
                [PROBE | {"at": utcnow()}],
            ).scalar_one()
        committed = time.perf_counter()
        while not stop.is_set():
            with db.session() as session:
                if session.scalar(select(AuditEntry.seq).where(AuditEntry.id == entry_id)):
                    delays.append(time.perf_counter() - committed)
                    break
            time.sleep(0.01)
        time.sleep(0.05)


def baseline(db, sample: int = 50_000) -> float:  # type: ignore[no-untyped-def]
    from onceonly.audit.models import AuditEntry
    from onceonly.core.db import utcnow

    copy = Table(
        "bench_plain_entries",
        MetaData(),
        *(Column(c.name, c.type, primary_key=c.primary_key) for c in AuditEntry.__table__.columns),
    )
    copy.create(db.engine)
    rows = [
        {"id": i, "seq": None, "at": utcnow(), "actor": "client:7",
         "actor_label": "portal-services", "department_id": None, "action": "exchange.query",
         "object_type": "resource", "object_id": "ps.residents", "subject_ref": "x" * 64,
         "purpose": "p", "detail": {"grant": 3, "fields": ["name", "address"], "rows": 1}}
        for i in range(1, sample + 1)
    ]  # fmt: skip
    began = time.perf_counter()
    for i in range(0, sample, BATCH):
        with db.engine.begin() as conn:
            conn.execute(insert(copy), rows[i : i + BATCH])
    return sample / (time.perf_counter() - began)


def rate(stamps: list[float], began: float, first: bool, window: int) -> float:
    batches = window // BATCH
    if first:
        return window / (stamps[batches - 1] - began)
    return window / (stamps[-1] - stamps[-batches - 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--writers", type=int, default=1)
    parser.add_argument("--postgres", help="URL of an existing server database (else SQLite)")
    args = parser.parse_args()

    from onceonly.audit.checks.consistency import verify_from_checkpoint
    from onceonly.audit.checks.verify import verify_log
    from onceonly.audit.log import checkpoints, merkle, notes, proofs
    from onceonly.audit.log.sequencer import lag
    from onceonly.core.db import Database
    from onceonly.core.migrate import upgrade
    from onceonly.core.settings import get_settings

    workdir = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    url = make_database(args.postgres, workdir, "audit")
    env = {**os.environ, "ONCEONLY_DATABASE_URL": url, "ONCEONLY_DATA_DIR": str(workdir)}
    os.environ.update(env)
    get_settings.cache_clear()
    db = Database(url)
    upgrade(db)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    plain = baseline(db)

    context = multiprocessing.get_context("spawn")
    manager = context.Manager()
    stamps = [manager.list() for _ in range(args.writers)]
    delays = manager.list()
    stop = context.Event()
    sequencer = subprocess.Popen(
        [sys.executable, "-m", "onceonly", "audit", "sequencer"], env=env, stderr=subprocess.DEVNULL
    )
    prober = context.Process(target=probe, args=(url, stop, delays))
    share = args.entries // args.writers
    writers = [
        context.Process(target=writer, args=(url, w * share, share, stamps[w]))
        for w in range(args.writers)
    ]
    began = started = time.perf_counter()
    prober.start()
    for process in writers:
        process.start()
    for process in writers:
        process.join()
    appended = time.perf_counter()
    stop.set()
    prober.join()
    while True:
        with db.session() as session:
            if lag(session).waiting == 0:
                break
        time.sleep(0.1)
    sequenced = time.perf_counter()
    time.sleep(6)  # the next checkpoint
    sequencer.send_signal(signal.SIGTERM)
    sequencer.wait()

    total = share * args.writers
    append = total / (appended - began)
    merged = sorted(delays)
    p50 = statistics.median(merged) if merged else float("nan")
    p99 = (
        merged[min(len(merged) - 1, math.ceil(len(merged) * 0.99) - 1)] if merged else float("nan")
    )
    window = min(20_000, share // 2 // BATCH * BATCH)
    early = sum(rate(list(s), began, True, window) for s in stamps)
    late = sum(rate(list(s), began, False, window) for s in stamps)

    witness = checkpoints.witness_path(get_settings())
    began = time.perf_counter()
    report = verify_log(db, witness=witness, workers=os.cpu_count() or 2)
    verify_s = time.perf_counter() - began
    assert report.ok, report.line()
    kept = checkpoints.witnessed(witness)
    began = time.perf_counter()
    consistent = verify_from_checkpoint(db, kept[-2] if len(kept) > 1 else kept[0])
    consistency_s = time.perf_counter() - began
    assert consistent.ok, consistent.line()
    began = time.perf_counter()
    with db.session() as session:
        keys = checkpoints.verifier_keys(session)
        old, new = (notes.open_checkpoint(n, keys) for n in (kept[0], kept[-1]))
        path = proofs.consistency_path(session, old.size, new.size)
    assert merkle.verify_consistency(old.size, new.size, old.root, new.root, path)
    proof_s = time.perf_counter() - began
    db.dispose()
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()

    size = report.size
    machine = f"{platform.machine()} × {os.cpu_count()}"
    print(f"\n{backend}, {size:,} entries, {args.writers} writer process(es), batches of "
          f"{BATCH}, sequencer as its own process, {machine}")  # fmt: skip
    print("| measure | result | baseline / comparison | target |")
    print("| --- | ---: | ---: | --- |")
    print(f"| append (record_many) | {append:,.0f} entries/s | plain INSERT {plain:,.0f} rows/s "
          f"({append / plain:.0%}) | ≥ 10,000/s |")  # fmt: skip
    print(f"| append, first / last {window:,} per writer | {early:,.0f} / {late:,.0f} entries/s | "
          f"last ÷ first {late / early:.2f} | flat |")  # fmt: skip
    print(f"| sequencer | {total / (sequenced - started):,.0f} entries/s | done "
          f"{sequenced - appended:.1f} s after the last append | keeps up |")  # fmt: skip
    print(f"| merge delay under load | p50 {p50:.2f} s, p99 {p99:.2f} s | {len(merged)} probes "
          "| ≤ 1 s |")  # fmt: skip
    per_million = verify_s * 1_000_000 / size
    print(f"| full verify | {verify_s:.1f} s ({size / verify_s:,.0f}/s) | → {per_million:.0f} s "
          "per million | ≤ 30 s per million |")  # fmt: skip
    print(f"| consistency check from the checkpoint before the last | {consistency_s:.2f} s | "
          f"tree of {size:,} | ≤ 1 s |")  # fmt: skip
    print(f"| consistency proof, first → last checkpoint ({old.size:,} → {new.size:,}) | "
          f"{proof_s * 1000:.0f} ms | {len(path)} hashes | ≤ 1 s |")  # fmt: skip


if __name__ == "__main__":
    main()
