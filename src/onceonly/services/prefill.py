"""Prefill: fetch an application's materials from the departments that hold them.

Exchange resources are queried through the gateway's own rules (`exchange.service.query`
with the portal's system client), so every fetch is checked against the portal's grant
and appended to the audit log with the application as purpose, which is what the
citizen's data tracker shows. The fetches run concurrently, one thread and one session
each, and their call logs and audit entries are then written in one transaction: a
bundle that needs five departments waits about as long as the slowest of them plus one
commit, not the sum. Licences come
from the library (the holder's own, newest valid first).

Run `fetch_exchange` before the caller writes anything in its own transaction: the
fetches commit their audit entries while the caller's session is open, and on SQLite a
pending write in that session would block them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.catalog.models import Resource, SubjectType
from onceonly.core.db import Database
from onceonly.core.errors import Problem
from onceonly.core.settings import Settings
from onceonly.exchange import service as exchange
from onceonly.exchange.ledger import CallRecord, apply
from onceonly.exchange.schemas import QueryIn
from onceonly.identity.models import Client
from onceonly.licences import service as licences
from onceonly.licences.models import Licence
from onceonly.sharing.service import PORTAL_CLIENT_CODE

MAX_WORKERS = 8
NOT_FOUND = "no record found"


@dataclass(frozen=True)
class Fetch:
    """One material to fetch from an exchange resource."""

    key: str
    resource_code: str
    fields: tuple[str, ...]
    subject_key: str | None
    filters: tuple[tuple[str, str], ...] = ()


@dataclass
class Fetched:
    fetch: Fetch
    row: dict[str, Any] | None = None
    error: str = ""  # why nothing came back (no record, refused, source down)


@dataclass
class ExchangeResult:
    results: list[Fetched] = field(default_factory=list)
    elapsed_ms: float = 0.0


def subject_key_for(resource: Resource, person_code: str, entity_code: str | None) -> str | None:
    """Whose record to ask for: the company's for company data, else the person's."""
    if resource.subject_type is SubjectType.ENTITY:
        return entity_code
    if resource.subject_type is SubjectType.PERSON:
        return person_code
    return None


def _one(
    session: Session,
    client: Client,
    fetch: Fetch,
    purpose: str,
    ref: str,
    *,
    ledger: Any,
    settings: Settings | None,
) -> Fetched:
    result = Fetched(fetch)
    try:
        answer = exchange.query(
            session,
            client,
            fetch.resource_code,
            QueryIn(
                subject_key=fetch.subject_key,
                filters=dict(fetch.filters),
                fields=list(fetch.fields),
                purpose=purpose,
            ),
            purpose_ref=ref,
            ledger=ledger,
            settings=settings,
        )
    except Problem as problem:
        result.error = problem.detail or problem.title
    else:
        if answer.rows:
            result.row = answer.rows[0]
        else:
            result.error = NOT_FOUND
    return result


class _Collect:
    """Stands in for the exchange ledger while the reads run: keeps each fetch's call
    log and audit entry, to be written together in one transaction afterwards."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []
        self._lock = threading.Lock()

    def commit(self, record: CallRecord) -> None:
        with self._lock:
            self.records.append(record)


def _in_thread(
    db: Database,
    client: Client,
    fetch: Fetch,
    purpose: str,
    ref: str,
    settings: Settings | None,
    collect: _Collect,
) -> Fetched:
    session = db.sessionmaker()
    try:
        return _one(session, client, fetch, purpose, ref, ledger=collect, settings=settings)
    finally:
        session.close()


def _portal_client(session: Session) -> Client | None:
    return session.scalar(select(Client).where(Client.code == PORTAL_CLIENT_CODE))


def _concurrently(
    db: Database, fetches: Sequence[Fetch], purpose: str, ref: str, settings: Settings | None
) -> list[Fetched]:
    """The source reads in parallel, then every call log and audit entry in one
    transaction: one lock of the audit chain's head and one commit for the whole
    prefill. Nothing fetched is handed back unless its entry is committed; a fetch
    whose grant went away meanwhile is handed back as refused, without data."""
    with db.session() as session:
        client = _portal_client(session)  # detached after: read-only in the threads
    if client is None:
        return [Fetched(f, error="the portal has no system client") for f in fetches]
    collectors = [_Collect() for _ in fetches]
    workers = max(1, min(MAX_WORKERS, len(fetches)))
    with ThreadPoolExecutor(workers, thread_name_prefix="prefill") as pool:
        results = list(
            pool.map(
                lambda f, c: _in_thread(db, client, f, purpose, ref, settings, c),
                fetches,
                collectors,
            )
        )
    owners = [n for n, c in enumerate(collectors) for _ in c.records]
    records = [r for c in collectors for r in c.records]
    with db.session() as session:
        refused = apply(session, records)
    for index, problem in refused.items():
        result = results[owners[index]]
        result.row, result.error = None, problem.detail
    return results


def fetch_exchange(
    fetches: Sequence[Fetch],
    purpose: str,
    ref: str,
    *,
    db: Database | None = None,
    session: Session | None = None,
    settings: Settings | None = None,
) -> ExchangeResult:
    """Run the fetches: concurrently through `db`, or one by one inside `session` (the
    demo seeder, whose transaction is still open)."""
    started = time.perf_counter()
    if db is not None:
        results = _concurrently(db, fetches, purpose, ref, settings)
    elif session is not None:
        client = _portal_client(session)
        results = [
            _one(session, client, f, purpose, ref, ledger=None, settings=settings)
            if client is not None
            else Fetched(f, error="the portal has no system client")
            for f in fetches
        ]
    else:
        raise ValueError("give a database (concurrent) or a session (in one transaction)")
    return ExchangeResult(results, (time.perf_counter() - started) * 1000)


# Fields that name a record shared by several people: a register looked up by the
# applicant's own number and not found (the household is under the head's number) is
# asked again by one of these, taken from what the first round fetched.
LINK_FIELDS = ("household_no",)


def follow_ups(results: Sequence[Fetched], resources: dict[str, set[str]]) -> list[Fetch]:
    """Second-round fetches for records not found by the applicant's number."""
    known: dict[str, str] = {}
    for result in results:
        for name in LINK_FIELDS:
            if result.row and result.row.get(name):
                known.setdefault(name, str(result.row[name]))
    retries = []
    for result in results:
        if result.row is not None or result.error != NOT_FOUND:
            continue
        fields = resources.get(result.fetch.resource_code, set())
        link = next((n for n in LINK_FIELDS if n in known and n in fields), None)
        if link is not None:
            fetch = result.fetch
            retries.append(
                Fetch(fetch.key, fetch.resource_code, fetch.fields, None, ((link, known[link]),))
            )
    return retries


def licence_for(session: Session, holder_code: str, type_code: str) -> Licence | None:
    """The holder's newest valid licence of a type, if the library has one."""
    return next(
        (
            lic
            for lic in licences.find_for_holder(session, holder_code, type_code)
            if lic.status == "valid"
        ),
        None,
    )
