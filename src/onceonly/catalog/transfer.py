"""Bulk import and export of a sharing list, as provinces publish them (CSV or JSON).

One row per resource; the format is documented in docs/catalog.md and an example ships
in docs/examples/sharing-list.csv. An import is all-or-nothing: every row is checked
first and every bad row is reported (row number, column, reason); only a clean file is
written, in one transaction. New resources are written with set-based inserts (fields,
first versions, audit entries and index entries alike), since a list has thousands of
rows; a row whose code is already registered updates that resource (a new version if
its fields changed) and an identical row changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog import search, service
from onceonly.catalog.models import Resource, ResourceField, ResourceVersion
from onceonly.catalog.schemas import ResourceIn, ResourceOut
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Invalid
from onceonly.identity.models import Department

Format = Literal["csv", "json"]
COLUMNS = [
    "code",
    "name",
    "name_en",
    "description",
    "description_en",
    "department",
    "subject_type",
    "key_field",
    "share_class",
    "open_class",
    "legal_basis",
    "update_frequency",
    "connector_kind",
    "connector_config",
    "tags",
    "fields",
]
REQUIRED = ("code", "name", "department", "subject_type", "key_field", "share_class", "fields")
HEADER_ROW = 1  # CSV rows are counted as in a spreadsheet: the header is row 1

Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


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


# The list syntax inside one cell -------------------------------------------------------


def split_list(cell: str, sep: str = ";") -> list[str]:
    """Split on `sep`; a backslash makes the next character literal (`\\;`, `\\\\`)."""
    items: list[str] = []
    current: list[str] = []
    chars = iter(cell)
    for char in chars:
        if char == "\\":
            current.append(next(chars, "\\"))
        elif char == sep:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [i.strip() for i in items if i.strip()]


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;")


def parse_fields(cell: str) -> list[dict[str, str]]:
    """`name:type:sensitivity:description;…` (type, sensitivity, description optional)."""
    fields = []
    for item in split_list(cell):
        name, type_, sensitivity, description = [*item.split(":", 3), "", "", ""][:4]
        spec = {"name": name.strip(), "description": description.strip()}
        if type_.strip():
            spec["type"] = type_.strip()
        if sensitivity.strip():
            spec["sensitivity"] = sensitivity.strip()
        fields.append(spec)
    return fields


def format_fields(spec: ResourceIn) -> str:
    return ";".join(
        f"{f.name}:{f.type}:{f.sensitivity}:{escape(f.description)}" for f in spec.fields
    )


# Reading ---------------------------------------------------------------------------------


def read_rows(
    data: bytes | str, fmt: Format
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """(row number, raw row) pairs, or the errors that stop the file being read at all."""
    text_ = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    if fmt == "json":
        return _read_json(text_)
    return _read_csv(text_)


def _read_csv(text_: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    reader = csv.DictReader(io.StringIO(text_, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    errors = [RowError(HEADER_ROW, c, "unknown column") for c in header if c not in COLUMNS]
    errors += [RowError(HEADER_ROW, c, "missing column") for c in REQUIRED if c not in header]
    if errors:
        return [], errors
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, raw in enumerate(reader, start=HEADER_ROW + 1):
        if None in raw:
            errors.append(RowError(number, "", "more cells than the header has columns"))
            continue
        rows.append((number, {k: (v or "").strip() for k, v in raw.items()}))
    return rows, errors


def _read_json(text_: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    try:
        data = json.loads(text_)
    except json.JSONDecodeError as exc:
        return [], [RowError(0, "", f"not valid JSON (line {exc.lineno}: {exc.msg})")]
    if isinstance(data, dict):
        data = data.get("resources")
    if not isinstance(data, list):
        return [], [RowError(0, "", 'expected a list of resources or {"resources": [...]}')]
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(number, "", "a resource must be an object"))
            continue
        unknown = [k for k in item if k not in COLUMNS]
        errors += [RowError(number, k, "unknown key") for k in unknown]
        rows.append((number, item))
    return rows, errors


def _spec_of(number: int, raw: dict[str, Any]) -> tuple[ResourceIn | None, str, list[RowError]]:
    """The row as a checked ResourceIn and its department code, or its errors."""
    data = {k: v for k, v in raw.items() if v not in ("", None) and k in COLUMNS}
    department = str(data.pop("department", "")).strip()
    errors: list[RowError] = []
    if not department:
        errors.append(RowError(number, "department", "a department code is required"))
    if isinstance(data.get("fields"), str):
        data["fields"] = parse_fields(data["fields"])
    if isinstance(data.get("tags"), str):
        data["tags"] = split_list(data["tags"])
    if isinstance(data.get("connector_config"), str):
        try:
            data["connector_config"] = json.loads(data["connector_config"])
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, "connector_config", f"not valid JSON: {exc.msg}"))
            data.pop("connector_config")
    try:
        spec = ResourceIn.model_validate(data)
    except ValidationError as exc:
        return None, department, errors + [_pydantic_error(number, e, data) for e in exc.errors()]
    try:
        service.check_rules(spec)
    except Invalid as exc:
        errors += [
            RowError(number, e.get("field", ""), e.get("reason", exc.detail))
            for e in exc.extra.get("errors", [])
        ]
    return (None if errors else spec), department, errors


def _pydantic_error(number: int, error: Any, data: dict[str, Any]) -> RowError:
    loc = list(error["loc"])
    column = str(loc[0]) if loc else ""
    reason = str(error["msg"])
    if column == "fields" and len(loc) >= 2 and isinstance(loc[1], int):
        fields = data.get("fields") or []
        name = fields[loc[1]].get("name", "") if isinstance(fields[loc[1]], dict) else ""
        where = f"field {loc[1] + 1}" + (f" ({name})" if name else "")
        reason = f"{where}, {'.'.join(str(p) for p in loc[2:]) or 'value'}: {reason}"
    elif len(loc) > 1:
        reason = f"{'.'.join(str(p) for p in loc[1:])}: {reason}"
    return RowError(number, column, reason)


# Importing -------------------------------------------------------------------------------


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
    departments = {d.code: d for d in session.scalars(select(Department))}
    existing = {
        code: (rid, dep, retired)
        for code, rid, dep, retired in session.execute(
            select(Resource.code, Resource.id, Resource.department_id, Resource.retired_at)
        )
    }
    seen: dict[str, int] = {}
    new: list[tuple[ResourceIn, Department]] = []
    changed: list[ResourceIn] = []
    for done, (number, raw) in enumerate(rows, start=1):
        spec, code, row_errors = _spec_of(number, raw)
        department = departments.get(code)
        if code and department is None:
            row_errors.append(RowError(number, "department", f"no department with code {code!r}"))
        elif department and department_ids is not None and department.id not in department_ids:
            row_errors.append(
                RowError(
                    number, "department", "you may import only your own department's resources"
                )
            )
        if spec is not None:
            if spec.code in seen:
                row_errors.append(RowError(number, "code", f"also on row {seen[spec.code]}"))
            seen.setdefault(spec.code, number)
            known = existing.get(spec.code)
            if known and department and known[1] != department.id:
                row_errors.append(
                    RowError(number, "code", "already registered by another department")
                )
            elif known and known[2] is not None:
                row_errors.append(RowError(number, "code", "this resource has been retired"))
        report.errors += row_errors
        if not row_errors and spec is not None and department is not None:
            if spec.code in existing:
                changed.append(spec)
            else:
                new.append((spec, department))
        if progress:
            progress("check", done, len(rows))
    if report.errors:
        report.errors.sort(key=lambda e: e.row)
        raise ImportRejected(report)

    updates = []
    for spec in changed:
        if to_in(service.get_resource(session, spec.code)) == spec:
            report.unchanged += 1
        else:
            updates.append(spec)
    report.created, report.updated = len(new), len(updates)
    if dry_run:
        return report
    _insert_new(session, new, by, progress)
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


# Exporting -------------------------------------------------------------------------------


def to_in(resource: Resource) -> ResourceIn:
    """A registered resource as the declaration that would register it again."""
    data = {name: getattr(resource, name) for name in ResourceIn.model_fields if name != "fields"}
    data["fields"] = [
        {"name": f.name, "type": f.type, "description": f.description, "sensitivity": f.sensitivity}
        for f in resource.fields
    ]
    return ResourceIn.model_validate(data)


def export_rows(resources: Iterable[Resource]) -> list[dict[str, Any]]:
    """JSON-ready rows: the import's keys, fields as objects."""
    return [
        {"department": r.department.code, **to_in(r).model_dump(mode="json")} for r in resources
    ]


def export_resources(resources: Iterable[Resource], fmt: Format) -> str:
    rows = export_rows(resources)
    if fmt == "json":
        return json.dumps({"resources": rows}, ensure_ascii=False, indent=1)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        spec = ResourceIn.model_validate(row)
        writer.writerow(
            row
            | {
                "connector_config": json.dumps(row["connector_config"], ensure_ascii=False),
                "tags": ";".join(escape(t) for t in row["tags"]),
                "fields": format_fields(spec),
            }
        )
    return buffer.getvalue()
