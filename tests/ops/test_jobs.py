"""The job runner: one run per periodic slot across runners, retries with back-off,
failures on record and in the console, Redis in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from onceonly.core.db import Database
from onceonly.ops import jobs
from onceonly.ops.models import DONE, FAILED, JobRun
from tests.helpers import sign_in_staff

REDIS_URL = os.environ.get("ONCEONLY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def flaky() -> Iterator[list[int]]:
    """A job that fails on its first run and succeeds after; yields the attempt log."""
    attempts: list[int] = []

    def run(db: Database, settings: object) -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:
            raise RuntimeError("source 11010519491231002X did not answer")
        return f"ok on attempt {len(attempts)}"

    jobs.job("test.flaky", 0, "fails once", retries=2, retry_delay=1)(run)
    yield attempts
    jobs.JOBS.pop("test.flaky", None)


@pytest.fixture
def counting() -> Iterator[list[str]]:
    ran: list[str] = []

    def run(db: Database, settings: object) -> str:
        ran.append(threading.current_thread().name)
        time.sleep(0.2)  # both runners are inside claim() by now
        return "counted"

    jobs.job("test.count", 5, "counts runs")(run)
    yield ran
    jobs.JOBS.pop("test.count", None)


def test_a_periodic_slot_runs_once_across_runners(settings, counting) -> None:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(4)
    outcomes: list[str | None] = []

    def runner() -> None:
        db = Database(settings.database_url)  # each runner its own engine, as processes
        barrier.wait()
        outcomes.append(jobs.run_job(db, settings, "test.count", "2026-12-04T10:05Z"))
        db.dispose()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(counting) == 1
    assert (outcomes.count("counted"), outcomes.count(None)) == (1, 3)


def test_two_processes_claim_one_slot(settings) -> None:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(settings.data_dir),
    }
    command = [sys.executable, "-m", "onceonly", "jobs", "run-once", "exchange.prune"]
    procs = [
        subprocess.Popen(
            [*command, "--slot", "2026-12-04T11:00Z"], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sum("removed" in o for o in outputs) == 1, outputs
    assert sum("taken by another runner" in o for o in outputs) == 1, outputs
    db = Database(settings.database_url)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == 1
    db.dispose()


def test_the_slot_of_a_firing_is_its_period() -> None:
    from datetime import UTC, datetime

    every5 = jobs.Job("x", lambda db, s: "", 5, "")
    daily = jobs.Job("y", lambda db, s: "", 1440, "")
    at = datetime(2026, 12, 4, 10, 7, 31, tzinfo=UTC)
    assert jobs.slot_of(every5, at) == "2026-12-04T10:05Z"
    assert jobs.slot_of(daily, at) == "2026-12-04T00:00Z"


def _consume(runner: jobs.Runner, until, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = runner.huey.create_consumer(
        workers=1, worker_type="thread", periodic=False, scheduler_interval=1
    )
    consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while not until() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
        for s, handler in previous.items():
            signal.signal(s, handler)


def _run_flaky_through(settings, flaky: list[int]) -> JobRun:  # type: ignore[no-untyped-def]
    runner = jobs.Runner(settings)
    slot = runner.enqueue("test.flaky")
    assert runner.backlog() == 1

    def row() -> JobRun | None:
        with runner.db.session() as session:
            return session.scalar(select(JobRun).where(JobRun.slot == slot))

    seen: list[tuple[str, str]] = []  # (status, error) as the consumer went

    def done() -> bool:
        found = row()
        if found is not None and (found.status, found.error) not in seen:
            seen.append((found.status, found.error))
        return len(flaky) == 2 and found is not None and found.status == DONE

    started = time.monotonic()
    _consume(runner, done)
    waited = time.monotonic() - started
    final = row()
    assert final is not None
    assert waited >= 1.0  # the retry waited its back-off
    errors = [error for status, error in seen if status == FAILED]
    assert errors, seen  # the failure was on record between the attempts
    assert "110105" in errors[0] and "11010519491231002X" not in errors[0]  # redacted
    runner.db.dispose()
    return final


def test_a_failure_is_recorded_and_retried_with_back_off(settings, flaky) -> None:  # type: ignore[no-untyped-def]
    run = _run_flaky_through(settings, flaky)
    assert flaky == [1, 2]
    assert (run.status, run.attempts, run.result) == (DONE, 2, "ok on attempt 2")


def test_failures_show_in_the_console(demo_client, demo_db, demo_settings) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        session.add(
            JobRun(
                job="opendata.refresh",
                slot="2026-12-04T09:15Z",
                status=FAILED,
                error="UpstreamError: the data provider's system failed to answer",
            )
        )
    anonymous = demo_client.get("/console/jobs", follow_redirects=False)
    assert anonymous.status_code in (303, 401)
    sign_in_staff(demo_client, "dsb.auditor")
    page = demo_client.get("/console/jobs?lang=en")
    assert page.status_code == 200
    failures = page.text.split('id="failures"')[1].split("</table>")[0]
    assert "opendata.refresh" in failures and "failed to answer" in failures
    assert "Run now" not in page.text  # the auditor looks; only an admin runs


def test_an_admin_queues_a_run_from_the_console(demo_client, demo_settings) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import csrf_from

    sign_in_staff(demo_client, "dsb.platform")
    token = csrf_from(demo_client, "/console/jobs")
    answer = demo_client.post(
        "/console/jobs/run",
        data={"job": "exchange.prune", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert jobs.Runner(demo_settings).backlog() == 1
    unknown = demo_client.post(
        "/console/jobs/run", data={"job": "no.such", "csrf_token": token}, follow_redirects=False
    )
    assert unknown.status_code == 404


def _redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}"
    return None


def test_the_queue_runs_on_redis(settings, flaky, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if reason := _redis_reason():
        pytest.skip(reason)
    queue = f"onceonly-test-{uuid.uuid4().hex[:8]}"
    on_redis = settings.model_copy(update={"jobs_url": REDIS_URL, "jobs_queue": queue})
    try:
        run = _run_flaky_through(on_redis, flaky)
        assert (run.status, run.attempts) == (DONE, 2)
    finally:
        jobs.make_huey(on_redis).storage.flush_all()
