"""Reading a sharing list: its columns, the list syntax inside one cell, and the file
(CSV or JSON) as numbered raw rows, or the errors that stop it being read at all."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Literal

from onceonly.catalog.schemas import ResourceIn

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


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


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
