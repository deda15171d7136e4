"""The job runner: huey queues and schedules, our table says who ran what.

- The queue is Redis in production (`ONCEONLY_JOBS_URL=redis://…`) and a SQLite file
  under the data dir otherwise, so `onceonly demo` needs no extra service: it starts a
  consumer thread inside its own process.
- Periodic jobs are fired by the consumer's scheduler. Each firing enqueues the job
  with its *slot* (the scheduled time, floored to the job's period), and a run first
  claims (job, slot) in `ops_job_runs`, which is unique: with several runners (or a
  scheduler restarted within a minute) exactly one runs each slot.
- A failing run is recorded (status failed, the error, redacted) and retried by huey
  with exponential back-off; a retry takes its slot's row over. The console lists runs
  and failures (`/console/jobs`), `/metrics` counts them and `/readyz` bounds the backlog.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from onceonly.core import metrics
from onceonly.core.db import Database, utcnow
from onceonly.core.logs import redact
from onceonly.core.settings import Settings
from onceonly.ops.models import DONE, FAILED, RUNNING, JobRun

log = logging.getLogger("onceonly.jobs")
JobFn = Callable[[Database, Settings], str]


@dataclass(frozen=True)
class Job:
    name: str
    fn: JobFn
    every_minutes: int  # 0: only when asked for
    description: str
    retries: int = 3
    retry_delay: float = 30.0  # then ×2 per attempt


JOBS: dict[str, Job] = {}


def job(
    name: str, every_minutes: int, description: str, **options: float
) -> Callable[[JobFn], JobFn]:
    """Register a job function `(db, settings) -> summary` under `name`."""

    def register(fn: JobFn) -> JobFn:
        JOBS[name] = Job(name, fn, every_minutes, description, **options)  # type: ignore[arg-type]
        return fn

    return register


def slot_of(job: Job, when: datetime) -> str:
    """The scheduled time a periodic firing belongs to, floored to the job's period."""
    minutes = (when.hour * 60 + when.minute) // job.every_minutes * job.every_minutes
    floored = when.replace(hour=minutes // 60, minute=minutes % 60, second=0, microsecond=0)
    return floored.strftime("%Y-%m-%dT%H:%MZ")


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def claim(db: Database, name: str, slot: str) -> int | None:
    """The run's row id if this runner may run (job, slot), None if another has it."""
    try:
        with db.session() as session:
            run = JobRun(job=name, slot=slot, status=RUNNING, runner=runner_name())
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:
        pass
    with db.session() as session:  # a retry of a failed run takes its row over
        taken = session.execute(
            update(JobRun)
            .where(JobRun.job == name, JobRun.slot == slot, JobRun.status == FAILED)
            .values(status=RUNNING, attempts=JobRun.attempts + 1, runner=runner_name(), error="")
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.scalar(select(JobRun.id).where(JobRun.job == name, JobRun.slot == slot))


def _finish(db: Database, run_id: int, status: str, result: str = "", error: str = "") -> None:
    with db.session() as session:
        session.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(status=status, finished_at=utcnow(), result=result[:2000], error=error[:4000])
        )


def run_job(db: Database, settings: Settings, name: str, slot: str) -> str | None:
    """Run one job for one slot, once: its summary, or None if another runner has it.
    A failure is recorded and raised again (so the queue retries it)."""
    job = JOBS[name]
    run_id = claim(db, name, slot)
    if run_id is None:
        metrics.JOB_RUNS.labels(name, "skipped").inc()
        log.info("job %s %s: already taken by another runner", name, slot)
        return None
    started = time.perf_counter()
    try:
        summary = job.fn(db, settings) or "done"
    except Exception as exc:
        error = redact(f"{type(exc).__name__}: {exc}")
        _finish(db, run_id, FAILED, error=error)
        metrics.JOB_RUNS.labels(name, "failed").inc()
        log.warning("job %s %s failed: %s", name, slot, error)
        raise
    finally:
        metrics.JOB_DURATION.labels(name).observe(time.perf_counter() - started)
    _finish(db, run_id, DONE, result=summary)
    metrics.JOB_RUNS.labels(name, "done").inc()
    log.info("job %s %s: %s", name, slot, summary)
    return summary


class Runner:
    """A huey instance wired to our jobs, for one process: the app (to enqueue and count
    the backlog), `onceonly jobs run` (to consume) or the demo (both)."""

    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        from onceonly.ops import schedule  # noqa: F401  (registers the jobs)

        self.settings = settings
        self.db = db or Database(settings.database_url)
        self.huey = make_huey(settings)
        self.tasks = {}
        for job in JOBS.values():
            self.tasks[job.name] = self._task(job)
            if job.every_minutes:
                self._periodic(job)

    def _task(self, job: Job):
        def run(slot: str) -> str | None:
            return run_job(self.db, self.settings, job.name, slot)

        return self.huey.task(
            retries=job.retries, retry_delay=job.retry_delay, retry_backoff=2, name=job.name
        )(run)

    def _periodic(self, job: Job) -> None:
        task = self.tasks[job.name]

        def fire() -> None:
            task(slot_of(job, utcnow()))

        self.huey.periodic_task(
            crontab(minute=f"*/{job.every_minutes}" if job.every_minutes < 60 else "0",
                    hour="*" if job.every_minutes <= 60 else f"*/{job.every_minutes // 60}"),
            name=f"{job.name}.schedule",
        )(fire)  # fmt: skip

    def enqueue(self, name: str) -> str:
        """Queue a run of `name` now (a console button, the CLI); its slot is unique."""
        if name not in self.tasks:
            raise KeyError(name)
        slot = f"manual-{uuid.uuid4().hex[:12]}"
        self.tasks[name](slot)
        return slot

    def backlog(self) -> int:
        """Jobs waiting in the queue (due now, or scheduled for a retry)."""
        return int(self.huey.pending_count()) + int(self.huey.scheduled_count())

    def consumer(self, workers: int = 2):
        return self.huey.create_consumer(
            workers=workers, worker_type="thread", periodic=True, check_worker_health=False
        )


def make_huey(settings: Settings) -> Huey:
    url = settings.jobs_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(settings.jobs_queue, url=url, utc=True)
    if url == "memory://":
        return MemoryHuey(settings.jobs_queue, utc=True)
    path = settings.data_dir / "jobs.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.jobs_queue, filename=str(path), utc=True)


def recent_runs(db: Database, limit: int = 50) -> list[JobRun]:
    with db.session() as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.started_at.desc()).limit(limit)))


def failures_since(db: Database, hours: int = 24) -> list[JobRun]:
    since = utcnow() - timedelta(hours=hours)
    with db.session() as session:
        return list(
            session.scalars(
                select(JobRun)
                .where(JobRun.status == FAILED, JobRun.started_at >= since)
                .order_by(JobRun.started_at.desc())
            )
        )
