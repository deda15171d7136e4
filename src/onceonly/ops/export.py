"""A citizen's export: everything the platform holds about them, as JSON or CSV.

Rows are read through each domain's tables by the person's id or ID number; secrets
(key hashes, sealed tokens) and file contents are left out (an upload is described by
its name, size and digest). The data uses come from the audit tracker, as on "My data".
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from onceonly.core.db import Base, utcnow
from onceonly.core.downloads import csv_text

LEFT_OUT = frozenset({"content", "token_hash", "token_sealed", "token_prefix", "key_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value


def _row(obj: Base) -> dict[str, Any]:
    mapper = inspect(type(obj))
    return {
        c.key: _plain(getattr(obj, c.key)) for c in mapper.column_attrs if c.key not in LEFT_OUT
    }


def collect(session: Session, person_id: int, id_number: str) -> dict[str, Any]:
    from onceonly.appeals.models import Appeal
    from onceonly.audit import tracker
    from onceonly.identity.models import Person
    from onceonly.licences.models import Licence
    from onceonly.opendata.models import OpenDataApplication
    from onceonly.services.models import Application, ApplicationEvent, Notification

    person = session.get(Person, person_id)
    applications = session.scalars(
        select(Application).where(Application.person_id == person_id).order_by(Application.id)
    ).all()
    app_ids = [a.id for a in applications]
    sections: dict[str, list[dict[str, Any]]] = {
        "applications": [_row(a) for a in applications],
        "application_cases": [_row(c) for a in applications for c in a.cases],
        "application_materials": [_row(m) for a in applications for m in a.materials],
        "application_events": [
            _row(e)
            for e in session.scalars(
                select(ApplicationEvent)
                .where(ApplicationEvent.application_id.in_(app_ids))
                .order_by(ApplicationEvent.id)
            )
        ],
        "notifications": [
            _row(n)
            for n in session.scalars(
                select(Notification).where(Notification.person_id == person_id)
            )
        ],
        "appeals": [
            _row(a) for a in session.scalars(select(Appeal).where(Appeal.person_id == person_id))
        ],
        "licences": [
            _row(lic)
            for lic in session.scalars(select(Licence).where(Licence.holder_code == id_number))
        ],
        "open_data_applications": [
            _row(o)
            for o in session.scalars(
                select(OpenDataApplication).where(
                    OpenDataApplication.applicant_kind == "person",
                    OpenDataApplication.applicant_id == person_id,
                )
            )
        ],
        "data_uses": json.loads("".join(tracker.iter_json(session, id_number))),
    }
    return {
        "generated_at": utcnow().isoformat(),
        "person": _row(person) if person is not None else {"id_number": id_number},
        "sections": sections,
    }


def to_json(export: dict[str, Any]) -> str:
    return json.dumps(export, ensure_ascii=False, indent=2, default=str)


def to_csv(export: dict[str, Any]) -> str:
    """One long table: section, record number, field, value (every section fits)."""
    person = [["person", 1, field, _cell(value)] for field, value in export["person"].items()]
    sections = (
        [section, n, field, _cell(value)]
        for section, rows in export["sections"].items()
        for n, row in enumerate(rows, start=1)
        for field, value in row.items()
    )
    return csv_text(["section", "record", "field", "value"], [*person, *sections])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
