"""Group commit for intake: many appeals, one transaction.

Every appeal appends to the audit hash chain, whose head row is locked until the
transaction commits, so appeals committed one by one queue behind each other's fsync.
The batcher lets concurrent requests share a transaction instead: a worker thread takes
whatever appeals are waiting (up to `max_batch`), submits them together and commits
once; each request gets its answer only after that commit, so an acknowledged appeal
is as durable as before. If anything in a batch fails, the batch is rolled back and its
appeals are retried one transaction each, so one bad appeal never sinks the others.
"""

from __future__ import annotations

import queue
import threading
import weakref
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from onceonly.appeals import service
from onceonly.core.actors import Actor
from onceonly.core.calendar import load_calendar
from onceonly.core.db import Database

IDLE_SECONDS = 5.0  # the worker thread stops after this long without work


@dataclass(frozen=True)
class Accepted:
    appeal_id: int
    token: str
    due_at: datetime | None


@dataclass
class _Job:
    intake: service.Intake
    actor: Actor
    future: Future[Accepted] = field(default_factory=Future)


class IntakeBatcher:
    def __init__(self, db: Database, max_batch: int = 64) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.batches = 0  # for tests and benchmarks

    def submit(self, intake: service.Intake, actor: Actor, timeout: float = 60) -> Accepted:
        job = _Job(intake, actor)
        self._queue.put(job)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="appeals-intake", daemon=True
                )
                self._thread.start()
        return job.future.result(timeout)

    def _run(self) -> None:
        while True:
            try:
                jobs = [self._queue.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            while len(jobs) < self.max_batch:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(jobs)

    def _commit(self, jobs: list[_Job]) -> None:
        self.batches += 1
        try:
            with self.db.session() as session:
                calendar = load_calendar(session)
                done = []
                for job in jobs:
                    appeal = service.submit(session, job.intake, job.actor, calendar=calendar)
                    done.append((job, Accepted(appeal.id, appeal.token, appeal.due_at)))
        except Exception as exc:
            if len(jobs) == 1:  # the appeal's own error, for its own request
                jobs[0].future.set_exception(exc)
            else:  # find the bad one: each on its own
                for job in jobs:
                    self._commit([job])
            return
        for job, accepted in done:
            job.future.set_result(accepted)


_batchers: weakref.WeakKeyDictionary[Database, IntakeBatcher] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def batcher_for(db: Database) -> IntakeBatcher:
    with _registry_lock:
        batcher = _batchers.get(db)
        if batcher is None:
            batcher = _batchers[db] = IntakeBatcher(db)
        return batcher
