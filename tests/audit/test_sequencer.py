"""The sequencer: entries wait unnumbered until it takes them; it numbers them without gaps
in batches, survives a kill -9 in the middle of its work, and only one runs at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select, text

from onceonly.audit.checks.verify import verify_log
from onceonly.audit.log import sequencer
from onceonly.audit.models import AuditEntry, AuditLogState
from tests.audit.conftest import fill


def _counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry))
        waiting = session.scalar(select(func.count()).where(AuditEntry.seq.is_(None)))
        size = session.get(AuditLogState, 1).size  # type: ignore[union-attr]
    return int(total or 0), int(waiting or 0), int(size)


def test_entries_wait_until_sequenced_then_verify(db, settings) -> None:  # type: ignore[no-untyped-def]
    fill(db, 12, sequence=False)
    assert _counts(db) == (12, 12, 0)
    with db.session() as session:
        lag = sequencer.lag(session)
    assert lag.waiting == 12 and lag.size == 0
    small = settings.model_copy(update={"audit_batch": 5})
    first = sequencer.sequence_once(db, small)
    assert first is not None and (first.numbered, first.added, first.size) == (5, 5, 5)
    assert sequencer.sequence_all(db, small) == 7
    assert _counts(db) == (12, 0, 12)
    with db.session() as session:
        seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.id)).all()
    assert seqs == list(range(1, 13))
    assert verify_log(db).ok


def _env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        **os.environ,
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(settings.data_dir),
        "ONCEONLY_AUDIT_BATCH": "500",
    }


def test_a_killed_sequencer_resumes_without_loss_or_double(db, settings) -> None:  # type: ignore[no-untyped-def]
    fill(db, 6_000, sequence=False)
    command = [sys.executable, "-m", "onceonly", "audit", "sequencer"]
    for _attempt in range(3):  # kill it mid-work, several times
        proc = subprocess.Popen(command, env=_env(settings), stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _counts(db)[2] < 500 * (_attempt + 1) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    total, _waiting, size = _counts(db)
    assert total == 6_000 and 0 < size < 6_000  # it was stopped part-way
    done = subprocess.run([*command, "--once"], env=_env(settings), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _counts(db) == (6_000, 0, 6_000)
    report = verify_log(db)
    assert report.ok and report.checked == 6_000, report.line()


def test_one_sequencer_at_a_time_on_postgresql(db, backend) -> None:  # type: ignore[no-untyped-def]
    if backend.name != "postgresql":
        pytest.skip("SQLite's single writer orders sequencers by itself")
    fill(db, 10, sequence=False)
    holder = db.engine.connect()
    try:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": sequencer.LOCK_KEY})
        holder.commit()
        with db.session() as session:
            assert sequencer.sequence_batch(session) is None  # skips, does not wait
    finally:
        holder.close()
    leader = sequencer.Leadership(db)
    assert leader.acquire()
    assert not sequencer.Leadership(db).acquire()
    leader.release()
    assert sequencer.sequence_all(db) == 10


def test_the_running_loop_keeps_up_and_stops(db, settings) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    batches: list[sequencer.Batch] = []
    fast = settings.model_copy(update={"audit_sequencer_interval": 0.05})
    thread = threading.Thread(
        target=sequencer.run, args=(db, fast), kwargs={"stop": stop, "on_batch": batches.append}
    )
    thread.start()
    try:
        for round_ in range(5):
            fill(db, 20, sequence=False, start=round_ * 20)
        deadline = time.monotonic() + 20
        while _counts(db)[2] < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert _counts(db) == (100, 0, 100)
    assert sum(b.numbered for b in batches) == 100
