"""What a gateway call writes: its rate count, its call log and its audit entry.

`apply` writes the records of one or more answered calls in the caller's transaction:
it re-checks that each call's grant and client are still live (a revocation that
commits while the call is being answered bites here), counts each grant's calls with one upsert
per grant (the count is in the database, shared by every process), inserts the call
logs and records the audit entries. A call's data is handed out only once its
transaction has committed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.db import utcnow
from onceonly.core.errors import Problem
from onceonly.exchange.gateway import ratelimit
from onceonly.exchange.models import ExchangeCall
from onceonly.identity.models import Client
from onceonly.sharing.models import Grant


@dataclass
class CallRecord:
    """One answered call's writes; `refusal` builds the 403 if its grant went away."""

    grant_id: int
    rate_limit: int
    call: ExchangeCall
    event: audit.Event
    refusal: Callable[[Session], Problem]


def live_grant_ids(session: Session, grant_ids: set[int]) -> set[int]:
    """The grants among `grant_ids` that are live and whose client is live too, read in
    the transaction that records the calls."""
    now = utcnow()
    return set(
        session.scalars(
            select(Grant.id)
            .join(Client, Client.id == Grant.client_id)
            .where(
                Grant.id.in_(grant_ids),
                Grant.live_at(now),
                Client.live_at(now),
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
    """The call as a row to INSERT: every column but the id, which the database gives."""
    columns = ExchangeCall.__table__.columns.keys()
    return {name: getattr(call, name) for name in columns if name != "id"}
