"""Row queries over a snapshot: filters, full-text, sort, pagination, chosen fields.

Every identifier comes from the snapshot's own column list and every value is a bound
parameter, so no request text reaches SQL as code.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from onceonly.core.errors import Invalid, NotFound
from onceonly.opendata.publishing.store import connect, quote, reader, rows_path

OPERATORS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
MAX_LIMIT = 1000


@dataclass
class RowQuery:
    # (field, operator, value or values): values in a list mean "any of".
    filters: list[tuple[str, str, Any]] = field(default_factory=list)
    q: str = ""
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    fields: list[str] | None = None
    limit: int = 100
    offset: int = 0
    distinct: bool = False  # CKAN's datastore_search `distinct`: unique rows, no _id


@dataclass(frozen=True)
class Snapshot:
    """An open snapshot file: its columns (name → declared SQLite type) and full-text."""

    path: Path
    columns: dict[str, str]
    fulltext: list[str]
    rows: int

    @classmethod
    def open(cls, path: Path) -> Snapshot:
        conn = connect(path)
        try:
            columns = {name: kind for _, name, kind, *_ in conn.execute("PRAGMA table_info(rows)")}
            meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
        finally:
            conn.close()
        columns.pop("_id")
        return cls(path, columns, list(meta.get("fulltext", [])), int(meta.get("rows", 0)))

    def check_field(self, name: str) -> str:
        if name != "_id" and name not in self.columns:
            raise Invalid(f"unknown field {name!r}", errors=[{"field": name}])
        return name

    def _value(self, name: str, value: Any) -> Any:
        kind = self.columns.get(name, "INTEGER")
        if value is None or kind == "TEXT":
            return value
        if kind == "BOOLEAN":
            return 1 if str(value).lower() in ("1", "true", "t", "yes") else 0
        try:
            return float(value) if kind == "REAL" else int(value)
        except (TypeError, ValueError):
            raise Invalid(
                f"{name} takes a number, not {value!r}", errors=[{"field": name}]
            ) from None

    def where(self, query: RowQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for name, op, value in query.filters:
            column = quote(self.check_field(name))
            if isinstance(value, list):
                if not value:
                    clauses.append("0")
                    continue
                clauses.append(f"{column} IN ({', '.join('?' for _ in value)})")
                params.extend(self._value(name, v) for v in value)
            elif op == "contains":
                clauses.append(f"{column} LIKE ?")
                params.append(f"%{value}%")
            elif value is None:
                clauses.append(f"{column} IS {'NOT ' if op == 'ne' else ''}NULL")
            else:
                clauses.append(f"{column} {OPERATORS[op]} ?")
                params.append(self._value(name, value))
        if query.q.strip():
            clause, values = self._fulltext(query.q.strip())
            clauses.append(clause)
            params.extend(values)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _fulltext(self, q: str) -> tuple[str, list[Any]]:
        if not self.fulltext:
            return "0", []
        if len(q) >= 3:  # the trigram index answers terms of three characters or more
            phrase = '"' + q.replace('"', '""') + '"'
            return "_id IN (SELECT rowid FROM rows_fts WHERE rows_fts MATCH ?)", [phrase]
        likes = " OR ".join(f"{quote(c)} LIKE ?" for c in self.fulltext)
        return f"({likes})", [f"%{q}%"] * len(self.fulltext)

    def select_sql(
        self, query: RowQuery, *, with_id: bool = True
    ) -> tuple[str, list[str], list[Any]]:
        names = [self.check_field(f) for f in query.fields] if query.fields else list(self.columns)
        if with_id and not query.distinct and "_id" not in names:
            names = ["_id", *names]
        where, params = self.where(query)
        order = ", ".join(
            f"{quote(self.check_field(n))} {'DESC' if desc else 'ASC'}" for n, desc in query.sort
        ) or ("1" if query.distinct else "_id")
        keyword = "SELECT DISTINCT" if query.distinct else "SELECT"
        sql = f"{keyword} {', '.join(quote(n) for n in names)} FROM rows{where} ORDER BY {order}"
        return sql, names, params

    def page(
        self, query: RowQuery, *, count: bool = True
    ) -> tuple[list[str], list[tuple[Any, ...]], int | None]:
        """One page of rows, and the number of matching rows."""
        if not 0 <= query.limit <= MAX_LIMIT:
            raise Invalid(f"limit must be between 0 and {MAX_LIMIT}", errors=[{"field": "limit"}])
        if query.offset < 0:
            raise Invalid("offset must not be negative", errors=[{"field": "offset"}])
        sql, names, params = self.select_sql(query)
        conn = reader(self.path)
        try:
            rows = conn.execute(
                f"{sql} LIMIT ? OFFSET ?", [*params, query.limit, query.offset]
            ).fetchall()
            total: int | None = None
            if count and query.distinct:
                total = int(conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])
            elif count:
                where, where_params = self.where(query)
                total = (
                    self.rows if not where else count_rows(self.path, where, tuple(where_params))
                )
        except sqlite3.OperationalError as exc:
            raise Invalid(f"the query could not run: {exc}") from None
        return names, rows, total

    def stream(self, query: RowQuery, batch: int = 5000) -> Iterator[list[tuple[Any, ...]]]:
        """Every matching row, in batches, from one read-only connection."""
        sql, _names, params = self.select_sql(query, with_id=False)
        conn = connect(self.path)
        try:
            cursor = conn.execute(sql, params)
            while rows := cursor.fetchmany(batch):
                yield rows
        finally:
            conn.close()

    def names(self, query: RowQuery) -> list[str]:
        return [self.check_field(f) for f in query.fields] if query.fields else list(self.columns)


def parse_sort(text: str) -> list[tuple[str, bool]]:
    """`a,-b` or CKAN's `a asc, b desc`."""
    result: list[tuple[str, bool]] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        words = part.split()
        name = words[0]
        desc = name.startswith("-") or (len(words) > 1 and words[1].lower() == "desc")
        result.append((name.lstrip("-"), desc))
    return result


def parse_filter_param(key: str, value: str) -> tuple[str, str, Any]:
    """`field=v`, `field__gte=v`, `field__in=a,b`, `field__isnull=1`."""
    name, _, op = key.partition("__")
    op = op or "eq"
    if op == "in":
        return name, "eq", [v for v in value.split(",")]
    if op == "isnull":
        return name, "ne" if value.lower() in ("0", "false") else "eq", None
    if op not in OPERATORS:
        raise Invalid(f"unknown operator {op!r} in {key!r}", errors=[{"field": key}])
    return name, op, value


@lru_cache(maxsize=4096)
def count_rows(path: Path, where: str, params: tuple[Any, ...]) -> int:
    """How many rows match: a generation never changes, so a count is computed once and
    kept (counting tens of thousands of matches costs far more than fetching a page)."""
    row = reader(path).execute(f"SELECT count(*) FROM rows{where}", params).fetchone()
    return int(row[0])


@lru_cache(maxsize=256)
def _open_cached(path: Path) -> Snapshot:
    # A generation's file never changes once in place, so its description can be kept.
    return Snapshot.open(path)


def snapshot_for(data_dir: Path, code: str, generation: int) -> Snapshot:
    if generation <= 0:
        raise NotFound(f"dataset {code} has no snapshot yet", code="no-snapshot")
    path = rows_path(data_dir, code, generation)
    if not path.is_file():
        raise NotFound(f"the snapshot of {code} is missing", code="no-snapshot")
    return _open_cached(path)
