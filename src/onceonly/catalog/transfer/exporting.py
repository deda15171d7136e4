"""Exporting the catalog as a sharing list, in the format an import reads back."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from onceonly.catalog.models import Resource
from onceonly.catalog.schemas import ResourceIn
from onceonly.catalog.transfer.reading import COLUMNS, Format, escape, format_fields


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
