"""The data tracker: every entry of the log about one person, newest first.

Entries are found by the keyed hash of the ID number (`subject_ref`), so the log never
holds the number itself. Paging is by entry id (`before`), which stays correct while new
entries arrive; `seq`, the entry's place in the log, is shown once the sequencer gave it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from onceonly.audit.models import AuditEntry
from onceonly.audit.service import subject_ref
from onceonly.core.downloads import csv_batches
from onceonly.identity.models import Department

DATA_ACCESS = "exchange.query"
# Another province's node read the person's data here (issue 17): a data access too,
# shown with the asking province's department rather than the client that carries it.
REMOTE_ACCESS = "federation.query.served"
DATA_ACCESSES = (DATA_ACCESS, REMOTE_ACCESS)


@dataclass(frozen=True)
class Access:
    id: int
    seq: int | None
    at: datetime
    action: str
    department: str
    system: str
    resource: str
    fields: list[str]
    purpose: str
    purpose_ref: str

    @property
    def is_data_access(self) -> bool:
        return self.action in DATA_ACCESSES


def _query(
    id_number: str,
    *,
    start: datetime | None,
    end: datetime | None,
    department_id: int | None,
    data_only: bool,
) -> Select[AuditEntry, str]:
    query = (
        select(AuditEntry, Department.name)
        .outerjoin(Department, Department.id == AuditEntry.department_id)
        .where(AuditEntry.subject_ref == subject_ref(id_number.upper()))
    )
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    if department_id is not None:
        query = query.where(AuditEntry.department_id == department_id)
    if data_only:
        query = query.where(AuditEntry.action.in_(DATA_ACCESSES))
    return query.order_by(AuditEntry.id.desc())


def _department(entry: AuditEntry, local: str | None) -> str:
    detail = entry.detail or {}
    if entry.action == REMOTE_ACCESS and detail.get("peer_name"):
        asking = str(detail.get("department") or "")
        return f"{detail['peer_name']} · {asking}" if asking else str(detail["peer_name"])
    return local or ""


def _access(entry: AuditEntry, department: str | None) -> Access:
    detail = entry.detail or {}
    return Access(
        id=entry.id,
        seq=entry.seq,
        at=entry.at,
        action=entry.action,
        department=_department(entry, department),
        system=entry.actor_label,
        resource=entry.object_id,
        fields=list(detail.get("fields", [])),
        purpose=entry.purpose,
        purpose_ref=str(detail.get("purpose_ref", "")),
    )


def accesses(
    session: Session,
    id_number: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    department_id: int | None = None,
    data_only: bool = False,
    before: int | None = None,
    limit: int = 50,
) -> list[Access]:
    """One page of the person's entries, newest first; `before` an id from the last page."""
    query = _query(
        id_number, start=start, end=end, department_id=department_id, data_only=data_only
    )
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return [_access(e, d) for e, d in session.execute(query.limit(limit))]


def departments_seen(session: Session, id_number: str) -> list[tuple[int, str]]:
    """The departments that appear in the person's entries, for the filter."""
    rows = session.execute(
        select(Department.id, Department.name)
        .join(AuditEntry, AuditEntry.department_id == Department.id)
        .where(AuditEntry.subject_ref == subject_ref(id_number.upper()))
        .distinct()
        .order_by(Department.name)
    )
    return [(i, n) for i, n in rows]


CSV_HEADER = ["time", "action", "department", "system", "resource", "fields", "purpose", "ref"]


def _batches(session: Session, id_number: str, **filters: Any) -> Iterator[list[Access]]:
    """Every matching entry, newest first, a thousand at a time (a long history stays
    bounded in memory)."""
    before: int | None = None
    while True:
        page = accesses(session, id_number, before=before, limit=1000, **filters)
        yield page
        if len(page) < 1000:
            return
        before = page[-1].id


def iter_csv(session: Session, id_number: str, **filters: Any) -> Iterator[str]:
    """Every matching entry as CSV text, one batch at a time."""
    batches = _batches(session, id_number, **filters)
    return csv_batches(CSV_HEADER, ([_csv_row(a) for a in page] for page in batches))


def _csv_row(a: Access) -> list[str]:
    fields = " ".join(a.fields)
    return [a.at.isoformat(), a.action, a.department, a.system, a.resource, fields,
            a.purpose, a.purpose_ref]  # fmt: skip


def iter_json(session: Session, id_number: str, **filters: Any) -> Iterator[str]:
    """Every matching entry as one JSON array, written in batches like `iter_csv`."""
    first = True
    yield "["
    for page in _batches(session, id_number, **filters):
        for a in page:
            item = {**a.__dict__, "at": a.at.isoformat()}
            yield ("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False)
            first = False
    yield "\n]\n"
