"""Bulk import and export of a sharing list, in CSV or JSON, as provinces publish them.

One row per resource. In CSV, `tags` is `a;b`, `connector_config` is a JSON object and
`fields` is `name:type:sensitivity:description|…` (the description may hold `:`, not
`|`). In JSON, a list of objects with the same keys, `tags` and `fields` as lists.
`department` is the provider department's code.

Import is all or nothing: every row is checked (shape, the catalog's rules, the
department, duplicate codes in the file) and every bad row is reported with its row
number, field and reason; only a clean file is written, in the caller's transaction.
A code already in the catalog is updated (a changed field list makes a new version).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.catalog import service
from onceonly.catalog.models import Resource
from onceonly.catalog.schemas import ResourceIn
from onceonly.core.actors import Actor
from onceonly.core.errors import Invalid
from onceonly.identity.models import Department

COLUMNS = [
    "code", "name", "description", "department", "subject_type", "key_field",
    "share_class", "open_class", "legal_basis", "update_frequency", "connector_kind",
    "connector_config", "tags", "fields",
]  # fmt: skip
MAX_ERRORS = 1000


@dataclass
class RowError:
    row: int  # 1-based data row (CSV: the header is row 0)
    field: str
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def read_rows(text: str, fmt: str) -> list[dict[str, Any]]:
    """Rows as dicts with JSON-shaped values; a malformed file is one clear error."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Invalid(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise Invalid("a JSON sharing list is a list of objects, one per resource")
        return data
    if fmt != "csv":
        raise Invalid(f"unknown format {fmt!r}: use csv or json")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [
        c for c in ("code", "name", "department", "fields") if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise Invalid(f"the CSV header lacks the columns: {', '.join(missing)}")
    return [dict(row) for row in reader]


def _from_csv_cells(row: dict[str, Any]) -> dict[str, Any]:
    """CSV cells → the JSON shape; raises ValueError naming the cell."""
    out = {k: v for k, v in row.items() if k in COLUMNS and v not in (None, "")}
    if isinstance(out.get("tags"), str):
        out["tags"] = [t for t in out["tags"].split(";") if t.strip()]
    if isinstance(out.get("connector_config"), str):
        try:
            out["connector_config"] = json.loads(out["connector_config"])
        except json.JSONDecodeError:
            raise ValueError("connector_config: not a JSON object") from None
    if isinstance(out.get("fields"), str):
        fields = []
        for part in out["fields"].split("|"):
            bits = part.split(":", 3)
            if len(bits) < 3:
                raise ValueError(f"fields: {part!r} is not name:type:sensitivity[:description]")
            name, kind, sensitivity = (b.strip() for b in bits[:3])
            description = bits[3].strip() if len(bits) == 4 else ""
            fields.append({"name": name, "type": kind, "sensitivity": sensitivity,
                           "description": description})  # fmt: skip
        out["fields"] = fields
    return out


def _check_row(
    number: int, row: dict[str, Any], departments: dict[str, Department], seen: set[str]
) -> tuple[ResourceIn, Department] | list[RowError]:
    try:
        values = _from_csv_cells(row)
    except ValueError as exc:
        name, _, reason = str(exc).partition(": ")
        return [RowError(number, name, reason)]
    errors: list[RowError] = []
    department = departments.get(str(values.pop("department", "")))
    if department is None:
        errors.append(RowError(number, "department", "unknown department code"))
    try:
        spec = ResourceIn.model_validate(values)
    except ValidationError as exc:
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"]) or "row"
            errors.append(RowError(number, where, e["msg"]))
        return errors
    try:
        service.check_rules(spec)
    except Invalid as exc:
        errors += [RowError(number, e["field"], e["reason"]) for e in exc.extra.get("errors", [])]
    if spec.code in seen:
        errors.append(RowError(number, "code", "appears twice in the file"))
    seen.add(spec.code)
    if errors or department is None:
        return errors
    return spec, department


def import_rows(
    session: Session,
    rows: list[dict[str, Any]],
    by: Actor,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row, then (unless `dry_run` or any row is bad) write them all."""
    departments = {d.code: d for d in session.scalars(select(Department))}
    existing = set(session.scalars(select(Resource.code)))
    report, checked, seen = ImportReport(), [], set()  # type: ignore[var-annotated]
    for number, row in enumerate(rows, start=1):
        result = _check_row(number, row, departments, seen)
        if isinstance(result, list):
            report.errors += result
            if len(report.errors) >= MAX_ERRORS:
                break
        else:
            checked.append(result)
    if report.errors or dry_run:
        return report
    for done, (spec, department) in enumerate(checked, start=1):
        if spec.code in existing:
            service.update_resource(session, spec.code, spec, by)
            report.updated += 1
        else:
            service.register_resource(session, spec, department, by)
            report.created += 1
        if progress is not None:
            progress(done)
    return report


def _row_out(resource: Resource) -> dict[str, Any]:
    return {
        "code": resource.code, "name": resource.name, "description": resource.description,
        "department": resource.department.code, "subject_type": resource.subject_type.value,
        "key_field": resource.key_field, "share_class": resource.share_class.value,
        "open_class": resource.open_class.value, "legal_basis": resource.legal_basis,
        "update_frequency": resource.update_frequency.value,
        "connector_kind": resource.connector_kind.value,
        "connector_config": resource.connector_config, "tags": list(resource.tags),
        "fields": [{"name": f.name, "type": f.type.value, "sensitivity": f.sensitivity.value,
                    "description": f.description} for f in resource.fields],
    }  # fmt: skip


def export(resources: Iterable[Resource], fmt: str) -> str:
    """The catalog in the import's format: exporting and importing again changes nothing."""
    rows = [_row_out(r) for r in resources]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    if fmt != "csv":
        raise Invalid(f"unknown format {fmt!r}: use csv or json")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        row["tags"] = ";".join(row["tags"])
        row["connector_config"] = json.dumps(row["connector_config"], ensure_ascii=False)
        row["fields"] = "|".join(
            f"{f['name']}:{f['type']}:{f['sensitivity']}:{f['description']}" for f in row["fields"]
        )
        writer.writerow(row)
    return buffer.getvalue()
