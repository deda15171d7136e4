"""CKAN's DataStore write actions (datastore_create, datastore_upsert, datastore_delete)
on resources written through the API, and datastore_search over them.

Records are kept as JSON rows (`DatastoreRow`), keyed by the table's primary key so an
upsert finds the row it replaces; values are checked against the declared field types.
Written tables are a department's own uploads, so they are searched in memory.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select

from onceonly.core.db import utcnow
from onceonly.core.errors import NotFound
from onceonly.opendata.ckan.models import CkanResource, DatastoreRow
from onceonly.opendata.ckan.params import Call
from onceonly.opendata.ckan.stored import get_resource
from onceonly.opendata.ckan.write import _record, editable, invalid, resource_create
from onceonly.opendata.publishing.rows import RowQuery

TYPES = {"text", "int", "int4", "int8", "numeric", "float8", "bool", "timestamp", "date"}
MAX_RECORDS = 10_000  # per call
KEY_CHUNK = 500


def _writable(call: Call, resource_id: str) -> CkanResource:
    try:
        resource = get_resource(call.session, resource_id)
    except NotFound:
        raise NotFound(f'Resource "{resource_id}" was not found.') from None
    editable(call, resource.package_id)
    return resource


def _coerce(value: Any, kind: str, name: str) -> Any:
    if value is None or value == "":
        return None
    try:
        if kind.startswith("int"):
            return int(value)
        if kind in ("numeric", "float8"):
            return float(value)
        if kind == "bool":
            return value if isinstance(value, bool) else str(value).lower() in ("true", "1")
    except (TypeError, ValueError):
        raise invalid("records", f"{name}: {value!r} is not of type {kind}") from None
    return str(value) if not isinstance(value, str) else value


def _records(call: Call, resource: CkanResource) -> list[dict[str, Any]]:
    records = call.json("records", []) or []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise invalid("records", "records must be a list of objects")
    if len(records) > MAX_RECORDS:
        raise invalid("records", f"at most {MAX_RECORDS} records per call")
    kinds = {f["id"]: f["type"] for f in resource.datastore_fields}
    unknown = sorted({k for r in records for k in r} - set(kinds))
    if unknown:
        raise invalid("records", f"fields not in the table: {', '.join(unknown)}")
    return [{k: _coerce(v, kinds[k], k) for k, v in r.items()} for r in records]


def _key(resource: CkanResource, record: dict[str, Any]) -> str | None:
    if not resource.datastore_key:
        return None
    values = [record.get(k) for k in resource.datastore_key]
    if any(v is None for v in values):
        raise invalid("records", f"each record needs its key: {', '.join(resource.datastore_key)}")
    return json.dumps(values, ensure_ascii=False)


def _existing(call: Call, resource: CkanResource, keys: list[str]) -> dict[str, DatastoreRow]:
    found: dict[str, DatastoreRow] = {}
    for start in range(0, len(keys), KEY_CHUNK):
        rows = call.session.scalars(
            select(DatastoreRow).where(
                DatastoreRow.resource_id == resource.id,
                DatastoreRow.key.in_(keys[start : start + KEY_CHUNK]),
            )
        )
        found |= {str(r.key): r for r in rows}
    return found


def _write(call: Call, resource: CkanResource, records: list[dict[str, Any]], method: str) -> None:
    keyed = [(_key(resource, r), r) for r in records]
    existing = _existing(call, resource, [k for k, _ in keyed if k is not None])
    for key, record in keyed:
        row = existing.get(key) if key is not None else None
        if row is not None and method == "insert":
            raise invalid("records", f"a record with key {key} already exists")
        if row is None and method == "update":
            raise invalid("records", f"no record with key {key} to update")
        if row is not None:
            row.record = {**row.record, **record}
            continue
        row = DatastoreRow(resource_id=resource.id, key=key, record=record)
        call.session.add(row)
        if key is not None:
            existing[key] = row
    resource.modified_at = utcnow()


def _fields(call: Call, resource: CkanResource) -> None:
    fields = call.json("fields", []) or []
    if not isinstance(fields, list):
        raise invalid("fields", "fields must be a list")
    declared = {f["id"]: f for f in resource.datastore_fields}
    for field in fields:
        if not isinstance(field, dict) or not field.get("id"):
            raise invalid("fields", "each field needs an id")
        kind = str(field.get("type") or "text")
        if kind not in TYPES:
            raise invalid("fields", f"{field['id']}: unknown type {kind}")
        declared[str(field["id"])] = {"id": str(field["id"]), "type": kind}
    resource.datastore_fields = list(declared.values())
    key = call.json("primary_key", None)
    if key:
        key = [key] if isinstance(key, str) else list(key)
        if set(key) - set(declared):
            raise invalid("primary_key", "the primary key must name declared fields")
        resource.datastore_key = [str(k) for k in key]


def datastore_create(call: Call) -> Any:
    """Create (or extend) a written resource's DataStore table. Parameters: resource_id
    or resource (a new resource: package_id, name, …), fields, primary_key, records."""
    if call.params.get("resource_id"):
        resource = _writable(call, call.required("resource_id"))
    else:
        given = call.json("resource", None)
        if not isinstance(given, dict) or not given.get("package_id"):
            raise invalid("resource_id", "Missing value")
        asked, call.params = call.params, {**given, "url": given.get("url") or "datastore"}
        created = resource_create(call)
        call.params = asked
        resource = _writable(call, created["id"])
    _fields(call, resource)
    resource.datastore_active = True
    records = _records(call, resource)
    _write(call, resource, records, "upsert" if resource.datastore_key else "insert")
    _record(call, "datastore_create", "ckan_resource", resource.id, records=len(records))
    return {
        "resource_id": resource.id,
        "fields": resource.datastore_fields,
        "primary_key": resource.datastore_key,
        "method": "insert",
    }


def datastore_upsert(call: Call) -> Any:
    """Add or replace records. Parameters: resource_id, records, method (upsert, insert
    or update; upsert and update need the table's primary key)."""
    resource = _writable(call, call.required("resource_id"))
    if not resource.datastore_active:
        raise NotFound(f'Resource "{resource.id}" has no DataStore table.')
    method = call.text("method", "upsert")
    if method not in ("upsert", "insert", "update"):
        raise invalid("method", "Must be upsert, insert or update")
    if method != "insert" and not resource.datastore_key:
        raise invalid("method", f"{method} needs a primary key on the table")
    records = _records(call, resource)
    _write(call, resource, records, method)
    _record(call, "datastore_upsert", "ckan_resource", resource.id, records=len(records))
    return {"resource_id": resource.id, "method": method, "records": records}


def _matches(record: dict[str, Any], filters: dict[str, Any]) -> bool:
    for name, wanted in filters.items():
        options = wanted if isinstance(wanted, list) else [wanted]
        if str(record.get(name)) not in {str(o) for o in options}:
            return False
    return True


def datastore_delete(call: Call) -> Any:
    """Delete records matching filters, or (no filters) the whole table. Parameters:
    resource_id, filters."""
    resource = _writable(call, call.required("resource_id"))
    filters = call.json("filters", {}) or {}
    if not isinstance(filters, dict):
        raise invalid("filters", "filters must be an object")
    rows = table_rows(call, resource)
    doomed = [r.id for r in rows if _matches(r.record, filters)]
    for start in range(0, len(doomed), KEY_CHUNK):
        chunk = doomed[start : start + KEY_CHUNK]
        call.session.execute(delete(DatastoreRow).where(DatastoreRow.id.in_(chunk)))
    if not filters:
        resource.datastore_active, resource.datastore_fields, resource.datastore_key = (
            False,
            [],
            [],
        )
    _record(call, "datastore_delete", "ckan_resource", resource.id, deleted=len(doomed))
    return {"resource_id": resource.id, "filters": filters}


def table_rows(call: Call, resource: CkanResource) -> Sequence[DatastoreRow]:
    return call.session.scalars(
        select(DatastoreRow)
        .where(DatastoreRow.resource_id == resource.id)
        .order_by(DatastoreRow.id)
    ).all()


def written_resource(call: Call, wanted: str) -> CkanResource | None:
    """A written resource with a DataStore table, if `wanted` names one."""
    try:
        uuid.UUID(wanted)
    except ValueError:
        return None
    resource = call.session.get(CkanResource, wanted)
    if resource is None or resource.package.state != "active" or not resource.datastore_active:
        return None
    return resource


def _keep(record: dict[str, Any], query: RowQuery) -> bool:
    for name, op, value in query.filters:
        have = str(record.get(name, ""))
        options = {str(v) for v in value} if isinstance(value, list) else {str(value)}
        if (op == "contains" and str(value) not in have) or (op == "eq" and have not in options):
            return False
    text = " ".join(str(v) for v in record.values() if v is not None)
    return not query.q or query.q.lower() in text.lower()


def written_page(
    call: Call, resource: CkanResource, query: RowQuery
) -> tuple[list[str], list[tuple[Any, ...]], int]:
    """datastore_search over a written table: (field names, rows, total)."""
    declared = [f["id"] for f in resource.datastore_fields]
    names = list(query.fields) if query.fields else ["_id", *declared]
    unknown = set(names) - {"_id", *declared} | {n for n, _, _ in query.filters} - set(declared)
    if unknown:
        raise invalid("fields", f"unknown fields: {', '.join(sorted(unknown))}")
    kept = [{"_id": r.id, **r.record} for r in table_rows(call, resource) if _keep(r.record, query)]
    for name, desc in reversed(query.sort):
        kept.sort(key=lambda r: (r.get(name) is None, r.get(name) or 0), reverse=desc)
    rows = [tuple(r.get(n) for n in names) for r in kept]
    if query.distinct:
        names = [n for n in names if n != "_id"]
        rows = list(dict.fromkeys(tuple(r.get(n) for n in names) for r in kept))
    return names, rows[query.offset : query.offset + query.limit], len(rows)
