"""Bulk issue from a department's own source: committed batches, resumable, no duplicates.

Each source row has an idempotency key (`source_key`, unique in the library); a rerun
after a crash skips rows already issued and carries on from there. Reading the source
is kept behind `read_source` so the exchange connector can replace it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, MetaData, Row, Table, select
from sqlalchemy.orm import Session

from onceonly.core.actors import Actor
from onceonly.core.db import Database, make_engine, utcnow
from onceonly.licences.credentials import keys
from onceonly.licences.models import Licence
from onceonly.licences.service import (
    IssueRequest,
    build_licence,
    department_by_code,
    next_status_index,
    record_issued,
)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def marriage_requests(row: Row[Any]) -> list[IssueRequest]:
    base = {
        "cert_no": row.cert_no,
        "registered_on": _iso(row.registered_on),
        "registry": row.registry_division,
    }
    pairs = [
        (row.husband_id_number, row.wife_id_number),
        (row.wife_id_number, row.husband_id_number),
    ]
    return [
        IssueRequest(
            "marriage_cert",
            holder,
            {**base, "holder_id_number": holder, "spouse_id_number": spouse},
            f"ca:marriages:{row.cert_no}:{holder}",
        )
        for holder, spouse in pairs
    ]


def household_requests(row: Row[Any]) -> list[IssueRequest]:
    """A household register extract (户口簿 page) for one resident."""
    claims = {
        c: getattr(row, c) for c in ("household_no", "id_number", "name", "relation", "address")
    }
    return [IssueRequest("household_extract", row.id_number, claims, f"ps:hh:{row.id_number}")]


def driving_requests(row: Row[Any]) -> list[IssueRequest]:
    claims = {
        c: _iso(getattr(row, c))
        for c in ("licence_no", "id_number", "vehicle_class", "first_issued", "valid_until")
    }
    return [IssueRequest("driving_licence", row.id_number, claims, f"ps:dl:{row.licence_no}")]


def social_requests(row: Row[Any]) -> list[IssueRequest]:
    claims = {
        c: _iso(getattr(row, c))
        for c in ("card_no", "id_number", "insured_since", "medical_insurance")
    }
    return [IssueRequest("social_security_card", row.id_number, claims, f"hrss:card:{row.card_no}")]


def business_requests(row: Row[Any]) -> list[IssueRequest]:
    claims = {
        c: _iso(getattr(row, c))
        for c in ("credit_code", "name", "legal_rep_name", "kind", "established_on", "address")
    }
    return [IssueRequest("business_licence", row.credit_code, claims, f"amr:bl:{row.credit_code}")]


@dataclass(frozen=True)
class SourcePlan:
    source: str  # department source code
    table: str
    key: str  # primary-key column, for keyset paging
    to_requests: Callable[[Row[Any]], list[IssueRequest]]


PLANS: dict[str, SourcePlan] = {
    "marriage_cert": SourcePlan("ca", "marriages", "cert_no", marriage_requests),
    "driving_licence": SourcePlan("ps", "driving_licences", "licence_no", driving_requests),
    "social_security_card": SourcePlan("hrss", "insured_persons", "id_number", social_requests),
    "business_licence": SourcePlan("amr", "companies", "credit_code", business_requests),
}


def _reflect(engine: Engine, plan: SourcePlan) -> Table:
    """The source table as the department's database defines it (a source is theirs:
    the platform knows its name, not its definition)."""
    return Table(plan.table, MetaData(), autoload_with=engine)


def read_source(plan: SourcePlan, source_url: str, batch: int) -> Iterator[list[Row[Any]]]:
    """The source's rows in key order, a page at a time (the one place that reads it)."""
    engine = make_engine(source_url)
    try:
        table = _reflect(engine, plan)
        last: Any = None
        column = table.c[plan.key]
        while True:
            query = select(table).order_by(column).limit(batch)
            if last is not None:
                query = query.where(column > last)
            with engine.connect() as conn:
                rows = list(conn.execute(query))
            if not rows:
                return
            yield rows
            last = getattr(rows[-1], plan.key)
    finally:
        engine.dispose()


def count_source(plan: SourcePlan, source_url: str) -> int:
    from sqlalchemy import func

    engine = make_engine(source_url)
    try:
        table = _reflect(engine, plan)
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(table)) or 0)
    finally:
        engine.dispose()


def issue_batch(
    session: Session, issuer_code: str, requests: list[IssueRequest], actor: Actor
) -> int:
    """Issue the requests not issued before; returns how many were new."""
    wanted = [r.source_key for r in requests]
    done = set(session.scalars(select(Licence.source_key).where(Licence.source_key.in_(wanted))))
    fresh = [r for r in requests if r.source_key not in done]
    if not fresh:
        return 0
    dept = department_by_code(session, issuer_code)
    key = keys.current_key(session, dept.id)
    index = next_status_index(session, dept.id)
    now = utcnow()
    licences = [build_licence(dept, key, r, index + i, now) for i, r in enumerate(fresh)]
    session.add_all(licences)
    session.flush()
    record_issued(session, licences, actor)
    return len(licences)


def issue_bulk(
    db: Database,
    type_code: str,
    issuer_code: str,
    source_url: str,
    actor: Actor,
    batch: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Issue one licence per source row; each batch commits on its own."""
    plan = PLANS.get(type_code)
    if plan is None:
        from onceonly.core.errors import Invalid

        raise Invalid(f"no bulk source for {type_code!r}", code="no-bulk-source")
    issued = 0
    for rows in read_source(plan, source_url, batch):
        requests = [req for row in rows for req in plan.to_requests(row)]
        with db.session() as session:
            issued += issue_batch(session, issuer_code, requests, actor)
        if progress is not None:
            progress(len(rows), issued)
    return issued
