"""Checking a sharing list's rows: each as a valid declaration (`ResourceIn`) of a
department that exists and may be written by whoever imports it, and no code twice,
taken from another department or retired. Every bad row is named, not only the first."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.catalog import service
from onceonly.catalog.models import Resource
from onceonly.catalog.schemas import ResourceIn
from onceonly.catalog.transfer.reading import COLUMNS, RowError, parse_fields, split_list
from onceonly.core.errors import Invalid
from onceonly.identity.models import Department

Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass
class CheckedRows:
    """The rows that passed: resources to register and resources already registered
    (to update, or unchanged); and every error of the rows that did not."""

    new: list[tuple[ResourceIn, Department]] = field(default_factory=list)
    changed: list[ResourceIn] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def check_rows(
    session: Session,
    rows: list[tuple[int, dict[str, Any]]],
    department_ids: set[int] | None,
    progress: Progress | None,
) -> CheckedRows:
    """Check every row against the catalog as it is; `department_ids` limits the rows to
    those departments (None: any department)."""
    checked = CheckedRows()
    departments = {d.code: d for d in session.scalars(select(Department))}
    existing = {
        code: (rid, dep, retired)
        for code, rid, dep, retired in session.execute(
            select(Resource.code, Resource.id, Resource.department_id, Resource.retired_at)
        )
    }
    seen: dict[str, int] = {}
    for done, (number, raw) in enumerate(rows, start=1):
        spec, code, row_errors = spec_of(number, raw)
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
        checked.errors += row_errors
        if not row_errors and spec is not None and department is not None:
            if spec.code in existing:
                checked.changed.append(spec)
            else:
                checked.new.append((spec, department))
        if progress:
            progress("check", done, len(rows))
    return checked


def spec_of(number: int, raw: dict[str, Any]) -> tuple[ResourceIn | None, str, list[RowError]]:
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
