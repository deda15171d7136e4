"""Prefill: fetch an application's materials from the departments that hold them.

Exchange resources are queried through the gateway's own rules, in one call of
`exchange.service.query_many` with the portal's system client: every fetch is checked
against the portal's grant and recorded in the audit log with the application as
purpose, which is what the citizen's data tracker shows. The providers are asked in
parallel and every fetch is recorded in one transaction, so a bundle that needs five
departments waits about as long as the slowest of them plus one commit, not the sum.
Licences come from the library (the holder's own, newest valid first).

Run `fetch_exchange` before the caller writes anything in its own transaction: the
fetches commit their records while the caller's session is open, and on SQLite a
pending write in that session would block them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.catalog.models import Resource, SubjectType
from onceonly.core.db import Database
from onceonly.core.errors import Problem
from onceonly.core.settings import Settings
from onceonly.exchange import service as exchange
from onceonly.exchange.schemas import QueryIn, QueryOut
from onceonly.identity.models import Client
from onceonly.licences import service as licences
from onceonly.licences.models import Licence
from onceonly.sharing.service import PORTAL_CLIENT_CODE

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


def _portal_client(session: Session) -> Client | None:
    return session.scalar(select(Client).where(Client.code == PORTAL_CLIENT_CODE))


def _fetched(fetch: Fetch, outcome: QueryOut | Problem) -> Fetched:
    if isinstance(outcome, Problem):
        return Fetched(fetch, error=outcome.detail or outcome.title)
    if not outcome.rows:
        return Fetched(fetch, error=NOT_FOUND)
    return Fetched(fetch, row=outcome.rows[0])


def fetch_exchange(
    fetches: Sequence[Fetch],
    purpose: str,
    ref: str,
    *,
    db: Database | None = None,
    session: Session | None = None,
    settings: Settings | None = None,
) -> ExchangeResult:
    """Run the fetches through the gateway's `query_many`: with `db`, in parallel and
    recorded in a transaction of their own; with `session` (the demo seeder, whose
    transaction is still open), one by one inside it."""
    started = time.perf_counter()
    if db is None and session is None:
        raise ValueError("give a database (concurrent) or a session (in one transaction)")
    with nullcontext(session) if session is not None else db.session() as work:  # type: ignore[union-attr]
        client = _portal_client(work)
        if client is None:
            results = [Fetched(f, error="the portal has no system client") for f in fetches]
        else:
            requests = [(f.resource_code, _request(f, purpose)) for f in fetches]
            outcomes = exchange.query_many(
                work, client, requests, purpose_ref=ref, settings=settings, db=db
            )
            results = [_fetched(f, o) for f, o in zip(fetches, outcomes, strict=True)]
    return ExchangeResult(results, (time.perf_counter() - started) * 1000)


def _request(fetch: Fetch, purpose: str) -> QueryIn:
    return QueryIn(
        subject_key=fetch.subject_key,
        filters=dict(fetch.filters),
        fields=list(fetch.fields),
        purpose=purpose,
    )


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
