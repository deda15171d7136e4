"""CKAN's DataStore over our snapshots: datastore_search, datastore_info and
datastore_search_sql.

datastore_search_sql is parsed with sqlglot (PostgreSQL dialect, as CKAN's is): one
SELECT (or UNION of SELECTs), every table a published resource. It runs on a fresh
in-memory SQLite connection with each referenced snapshot attached read-only, under an
authorizer that allows only reading the snapshots' `rows` tables, and a progress
handler that stops it after `SQL_SECONDS`.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from typing import Any, cast
from urllib.parse import urlencode

import sqlglot
from sqlglot import exp

from onceonly.core.errors import Invalid, NotFound
from onceonly.opendata.ckan.datastore_write import written_page, written_resource
from onceonly.opendata.ckan.params import Call
from onceonly.opendata.ckan.shapes import DATASTORE_TYPES, resource_ids
from onceonly.opendata.models import Dataset
from onceonly.opendata.publishing.rows import (
    MAX_LIMIT,
    RowQuery,
    Snapshot,
    parse_sort,
    snapshot_for,
)
from onceonly.opendata.publishing.store import rows_path

SQL_SECONDS = 5.0
SQL_MAX_ROWS = 32000  # CKAN's ckan.datastore.search.rows_max default
SQL_MAX_TABLES = 8
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")


def _dataset(call: Call, wanted: str) -> Dataset:
    for dataset in call.published.datasets:
        code = dataset.resource.code
        if wanted == code or wanted in resource_ids(code).values():
            return dataset
    raise NotFound(f'Resource "{wanted}" was not found.')


def _snapshot(call: Call, dataset: Dataset) -> Snapshot:
    return snapshot_for(call.data_dir, dataset.resource.code, dataset.generation)


def _fields(names: list[str], snapshot: Snapshot) -> list[dict[str, str]]:
    return [
        {"id": n, "type": "int" if n == "_id" else DATASTORE_TYPES.get(snapshot.columns[n], "text")}
        for n in names
    ]


def _records(names: list[str], rows: list[tuple[Any, ...]], fmt: str) -> Any:
    if fmt == "objects":
        return [dict(zip(names, r, strict=True)) for r in rows]
    if fmt == "lists":
        return [list(r) for r in rows]
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def _link(call: Call, **changes: Any) -> str:
    params = {k: v for k, v in call.params.items() if k != "offset"} | changes
    encoded = {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
        for k, v in params.items()
        if v is not None
    }
    return f"{call.path}?{urlencode(encoded)}"


def datastore_search(call: Call) -> Any:
    wanted = call.required("resource_id")
    filters = call.json("filters", {}) or {}
    q = call.json("q", "") or ""
    if not isinstance(filters, dict):
        raise Invalid(
            "filters must be a JSON object",
            errors=[{"field": "filters", "reason": "Not a JSON object"}],
        )
    fmt = call.text("records_format", "objects")
    if fmt not in RECORDS_FORMATS:
        raise Invalid(
            f"records_format must be one of {', '.join(RECORDS_FORMATS)}",
            errors=[{"field": "records_format", "reason": "Unknown format"}],
        )
    conditions: list[tuple[str, str, Any]] = [(k, "eq", v) for k, v in filters.items()]
    if isinstance(q, dict):  # {field: term}: the term anywhere in that field
        conditions += [(k, "contains", str(v)) for k, v in q.items()]
        q = ""
    fields = call.json("fields", None)
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    limit = call.int("limit", 100, MAX_LIMIT, cap=True)
    offset = call.int("offset", 0, 10**9)
    include_total = call.flag("include_total", True)
    query = RowQuery(
        filters=conditions,
        q=str(q),
        sort=parse_sort(call.text("sort")),
        fields=[f for f in fields if f != "_id"] if fields else None,
        limit=limit,
        offset=offset,
        distinct=call.flag("distinct"),
    )
    written = written_resource(call, wanted)
    if written is not None:
        names, records, count = written_page(call, written, query)
        types = {f["id"]: f["type"] for f in written.datastore_fields} | {"_id": "int"}
        fields = [{"id": n, "type": types[n]} for n in names]
        total = count if include_total else None
    else:
        snapshot = _snapshot(call, _dataset(call, wanted))
        names, records, total = snapshot.page(query, count=include_total)
        fields = _fields(names, snapshot)
    result: dict[str, Any] = {
        "resource_id": wanted,
        "fields": fields,
        "records": _records(names, records, fmt),
        "records_format": fmt,
        "limit": limit,
        "offset": offset,
        "filters": filters,
        "include_total": include_total,
        **({"q": q} if q else {}),
        **({"sort": call.params["sort"]} if call.params.get("sort") else {}),
        "_links": {"start": _link(call), "next": _link(call, offset=offset + limit, limit=limit)},
    }
    if total is not None:
        result["total"] = total
        result["total_was_estimated"] = False
    return result


def datastore_info(call: Call) -> Any:
    wanted = call.required("id") if call.params.get("id") else call.required("resource_id")
    dataset = _dataset(call, wanted)
    snapshot = _snapshot(call, dataset)
    described = {f.name: f.description for f in dataset.resource.fields}
    types = {n: DATASTORE_TYPES.get(t, "text") for n, t in snapshot.columns.items()}
    return {
        "meta": {
            "id": wanted,
            "count": snapshot.rows,
            "table_type": "BASE TABLE",
            "size": snapshot.path.stat().st_size,
            "aliases": [dataset.resource.code],
        },
        "schema": types,
        "fields": [
            {
                "id": name,
                "type": kind,
                "info": {"label": described.get(name, ""), "notes": described.get(name, "")},
            }
            for name, kind in types.items()
        ],
    }


FORBIDDEN = (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Alter, exp.Command)
ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}


def _parse(sql: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read="postgres") if s is not None]
    except sqlglot.errors.SqlglotError as error:
        raise Invalid(
            f"the SQL could not be parsed: {str(error).splitlines()[0]}",
            errors=[{"field": "sql", "reason": "Syntax error"}],
        ) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise Invalid(
            "only one SELECT statement is allowed",
            errors=[{"field": "sql", "reason": "Not a single SELECT"}],
        )
    tree = cast(exp.Expression, statements[0])
    if any(isinstance(node, FORBIDDEN) for node in tree.walk()):
        raise Invalid(
            "only reading is allowed", errors=[{"field": "sql", "reason": "Not read-only"}]
        )
    return tree


def _bind_tables(call: Call, tree: exp.Expression) -> dict[str, str]:
    """Point each table at an attached snapshot; returns {alias: rows.db path}."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    attached: dict[str, str] = {}
    for table in list(tree.find_all(exp.Table)):
        name = table.name
        if not isinstance(table.this, exp.Identifier) or table.args.get("catalog"):
            raise Invalid("only plain table names are allowed", errors=[{"field": "sql"}])
        if name in ctes and not table.db:
            continue
        if table.db:
            raise Invalid(f"unknown schema {table.db!r}", errors=[{"field": "sql"}])
        try:
            dataset = _dataset(call, name)
        except NotFound:
            raise Invalid(
                f'"{name}" is not a published table',
                errors=[{"field": "sql", "reason": "Unknown table"}],
            ) from None
        path = str(rows_path(call.data_dir, dataset.resource.code, dataset.generation))
        alias = next((a for a, p in attached.items() if p == path), f"t{len(attached)}")
        attached[alias] = path
        if len(attached) > SQL_MAX_TABLES:
            raise Invalid(f"at most {SQL_MAX_TABLES} tables", errors=[{"field": "sql"}])
        if not table.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(name)))
        table.set("this", exp.to_identifier("rows"))
        table.set("db", exp.to_identifier(alias))
    return attached


def datastore_search_sql(call: Call) -> Any:
    sql = call.required("sql")
    tree = _parse(sql)
    attached = _bind_tables(call, tree)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    conn = sqlite3.connect(":memory:", uri=True)
    try:
        for alias, path in attached.items():
            conn.execute(f"ATTACH DATABASE ? AS {alias}", (f"file:{path}?mode=ro&immutable=1",))

        def authorize(action: int, arg1: Any, arg2: Any, db: Any, _trigger: Any) -> int:
            if action in ALLOWED_ACTIONS:
                return sqlite3.SQLITE_OK
            if action == sqlite3.SQLITE_READ and (
                (arg1 == "rows" and db in attached) or (db is None and arg1 in ctes)
            ):
                return sqlite3.SQLITE_OK
            return sqlite3.SQLITE_DENY

        conn.set_authorizer(authorize)
        deadline = time.monotonic() + SQL_SECONDS
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            cursor = conn.execute(tree.sql(dialect="sqlite"))
            rows = cursor.fetchmany(SQL_MAX_ROWS + 1)
        except sqlite3.OperationalError as error:
            reason = (
                f"the query took longer than {SQL_SECONDS:g} seconds"
                if "interrupted" in str(error)
                else f"the query could not run: {error}"
            )
            raise Invalid(reason, errors=[{"field": "sql", "reason": reason}]) from None
        except sqlite3.DatabaseError as error:
            raise Invalid(f"the query was refused: {error}", errors=[{"field": "sql"}]) from None
        names = [d[0] for d in cursor.description or []]
    finally:
        conn.close()
    first = rows[0] if rows else ()
    return {
        "sql": sql,
        "records": [dict(zip(names, r, strict=True)) for r in rows[:SQL_MAX_ROWS]],
        "fields": [
            {"id": n, "type": _value_type(first[i] if first else None)} for i, n in enumerate(names)
        ],
        "records_truncated": len(rows) > SQL_MAX_ROWS,
    }


def _value_type(value: Any) -> str:
    if isinstance(value, bool | int):
        return "int"
    if isinstance(value, float):
        return "numeric"
    return "text"
