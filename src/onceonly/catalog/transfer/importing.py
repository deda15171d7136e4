"""Importing a sharing list, all-or-nothing: every row is checked first and every bad
row is reported (row number, column, reason); only a clean file is written, in one
transaction. New resources are written with set-based inserts (fields, first versions,
audit entries and index entries alike), since a list has thousands of rows; a row whose
code is already registered updates that resource (a new version if its fields changed)
and an identical row changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog import search, service
from onceonly.catalog.models import Resource, ResourceField, ResourceVersion
from onceonly.catalog.schemas import ResourceIn, ResourceOut
from onceonly.catalog.transfer.check import Progress, check_rows
from onceonly.catalog.transfer.exporting import to_in
from onceonly.catalog.transfer.reading import Format, RowError, read_rows
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Invalid
from onceonly.identity.models import Department


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "errors": [e.as_dict() for e in self.errors],
        }


class ImportRejected(Invalid):
    """The file was not imported; `report.errors` names every bad row."""

    code = "catalog-import-rejected"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            f"Nothing was imported: {len(report.errors)} problem(s) in {report.rows} row(s).",
            errors=[e.as_dict() for e in report.errors],
        )
        self.report = report


def import_resources(
    session: Session,
    data: bytes | str,
    fmt: Format,
    by: Actor,
    *,
    department_ids: set[int] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then (unless `dry_run`) write them all; raises ImportRejected,
    naming every bad row, and writes nothing when any row is bad. `department_ids`
    limits the rows to those departments (None: any department)."""
    rows, errors = read_rows(data, fmt)
    report = ImportReport(rows=len(rows), dry_run=dry_run, errors=errors)
    checked = check_rows(session, rows, department_ids, progress)
    report.errors += checked.errors
    if report.errors:
        report.errors.sort(key=lambda e: e.row)
        raise ImportRejected(report)

    updates = []
    for spec in checked.changed:
        if to_in(service.get_resource(session, spec.code)) == spec:
            report.unchanged += 1
        else:
            updates.append(spec)
    report.created, report.updated = len(checked.new), len(updates)
    if dry_run:
        return report
    _insert_new(session, checked.new, by, progress)
    for done, spec in enumerate(updates, start=1):
        service.update_resource(session, spec.code, spec, by)
        if progress:
            progress("update", done, len(updates))
    audit.record(
        session,
        audit.Event(
            "catalog.imported",
            by,
            "catalog",
            fmt,
            detail={k: v for k, v in report.as_dict().items() if k != "errors"},
        ),
    )
    return report


def _insert_new(
    session: Session,
    items: Sequence[tuple[ResourceIn, Department]],
    by: Actor,
    progress: Progress | None,
) -> None:
    if not items:
        return
    now = utcnow()
    columns = [
        {
            **spec.model_dump(exclude={"fields"}),
            "department_id": department.id,
            "version": 1,
            "retired_at": None,
            "created_at": now,
            "updated_at": now,
        }
        for spec, department in items
    ]
    ids = list(
        session.scalars(
            insert(Resource).returning(Resource.id, sort_by_parameter_order=True), columns
        )
    )
    session.execute(
        insert(ResourceField),
        [
            {"resource_id": rid, "position": i, **f.model_dump()}
            for rid, (spec, _) in zip(ids, items, strict=True)
            for i, f in enumerate(spec.fields)
        ],
    )
    session.execute(
        insert(ResourceVersion),
        [
            {
                "resource_id": rid,
                "version": 1,
                "snapshot": _snapshot(spec, department, now),
                "note": "imported",
                "changed_by": by.label or by.ref(),
                "changed_at": now,
            }
            for rid, (spec, department) in zip(ids, items, strict=True)
        ],
    )
    search.write_index(
        session,
        [
            search.document(
                rid,
                code=spec.code,
                name=spec.name,
                description=spec.description,
                tags=spec.tags,
                department_name=department.name,
                fields=[(f.name, f.description) for f in spec.fields],
            )
            for rid, (spec, department) in zip(ids, items, strict=True)
        ],
    )
    audit.record_many(
        session,
        [
            audit.Event(
                "catalog.resource.registered",
                by,
                "resource",
                spec.code,
                detail={"version": 1, "imported": True},
            )
            for spec, _ in items
        ],
    )
    if progress:
        progress("write", len(items), len(items))


def _snapshot(spec: ResourceIn, department: Department, now: Any) -> dict[str, Any]:
    out = ResourceOut.model_validate(
        {
            **spec.model_dump(),
            "department_code": department.code,
            "department_name": department.name,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    )
    return out.model_dump(mode="json")
