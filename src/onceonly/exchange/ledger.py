"""What a gateway call writes (rate count, call log, audit entry), committed in groups.

Every answered call appends to the audit hash chain, whose head row stays locked until
commit, and bumps its grant's rate-limit window; committed one by one, concurrent calls
queue behind each other's lock (on SQLite, behind the one writer). The ledger lets them
share a transaction: a worker thread takes the calls waiting (up to `max_batch`),
re-checks in that transaction that each call's grant is still live (so a revocation
stops data at once even though grant look-ups are cached), counts each grant's calls
with one upsert, appends all audit entries under one lock of the head and commits
once. A call's data is returned only after its entries are committed.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Problem
from onceonly.exchange import ratelimit
from onceonly.exchange.models import ExchangeCall
from onceonly.identity.models import Client
from onceonly.sharing.models import Grant

IDLE_SECONDS = 5.0


@dataclass
class CallRecord:
    """One answered call's writes; `refusal` builds the 403 if its grant went away."""

    grant_id: int
    rate_limit: int
    call: ExchangeCall
    event: audit.Event
    refusal: Callable[[Session], Problem]
    future: Future[None] = field(default_factory=Future)


def live_grant_ids(session: Session, grant_ids: set[int]) -> set[int]:
    """The grants among `grant_ids` that are live and whose client is live too (the
    gateway remembers clients and grants for a moment; this is where that ends)."""
    now = utcnow()
    return set(
        session.scalars(
            select(Grant.id)
            .join(Client, Client.id == Grant.client_id)
            .where(
                Grant.id.in_(grant_ids),
                Grant.revoked_at.is_(None),
                or_(Grant.expires_at.is_(None), Grant.expires_at > now),
                Client.revoked_at.is_(None),
                or_(Client.expires_at.is_(None), Client.expires_at > now),
            )
        )
    )


def apply(session: Session, records: list[CallRecord]) -> dict[int, Problem]:
    """Write the records in `session`; returns the refusals (index → problem)."""
    refused: dict[int, Problem] = {}
    live = live_grant_ids(session, {r.grant_id for r in records})
    by_grant: dict[int, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        if record.grant_id in live:
            by_grant[record.grant_id].append(index)
        else:
            refused[index] = record.refusal(session)
    for grant_id, indexes in by_grant.items():
        limit = records[indexes[0]].rate_limit
        total = ratelimit.add(session, grant_id, len(indexes))
        for position, index in enumerate(indexes, start=total - len(indexes) + 1):
            if position > limit:
                refused[index] = ratelimit.refusal(limit)
    for index, record in enumerate(records):
        if index in refused:
            record.call.status, record.call.rows = refused[index].status, 0
    # A plain multi-row INSERT: the ORM's unit of work cost more than the rows themselves.
    session.execute(insert(ExchangeCall), [_call_row(r.call) for r in records])
    audit.record_many(session, [r.event for i, r in enumerate(records) if i not in refused])
    return refused


def _call_row(call: ExchangeCall) -> dict[str, object]:
    return {
        "at": call.at,
        "resource_code": call.resource_code,
        "client_id": call.client_id,
        "status": call.status,
        "rows": call.rows,
        "duration_ms": call.duration_ms,
    }


class Ledger:
    def __init__(self, db: Database, max_batch: int = 128) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[CallRecord] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.batches = 0

    def commit(self, record: CallRecord, timeout: float = 60) -> None:
        """Queue the record and wait until it is committed (or refused)."""
        self._queue.put(record)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="exchange-ledger", daemon=True
                )
                self._thread.start()
        record.future.result(timeout)

    def _run(self) -> None:
        while True:
            try:
                records = [self._queue.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            while len(records) < self.max_batch:
                try:
                    records.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(records)

    def _commit(self, records: list[CallRecord]) -> None:
        self.batches += 1
        try:
            with self.db.session() as session:
                refused = apply(session, records)
        except Exception as exc:
            if len(records) == 1:
                records[0].future.set_exception(exc)
            else:  # one bad record must not sink the others
                for record in records:
                    self._commit([record])
            return
        for index, record in enumerate(records):
            if index in refused:
                record.future.set_exception(refused[index])
            else:
                record.future.set_result(None)


_ledgers: weakref.WeakKeyDictionary[Database, Ledger] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def ledger_for(db: Database) -> Ledger:
    with _registry_lock:
        ledger = _ledgers.get(db)
        if ledger is None:
            ledger = _ledgers[db] = Ledger(db)
        return ledger
