"""SQL sources: any SQLAlchemy URL, read-only, always parameterised.

Values from callers are only ever bound parameters of a Core `select` (on a reflected
table, or on a configured read-only query used as a subquery), never pasted into SQL.
Engines are cached per URL so every call reuses a connection pool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    FromClause,
    MetaData,
    Select,
    Table,
    column,
    event,
    or_,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, NoSuchTableError, SQLAlchemyError

from onceonly.core.db import make_engine
from onceonly.core.errors import Problem
from onceonly.exchange.connectors.base import Row, SourceSpec, failed, timed_out

log = logging.getLogger("onceonly.exchange.sql")
QUERY_CANCELED = "57014"  # PostgreSQL: statement timeout

_lock = threading.Lock()
_engines: dict[tuple[str, float], Engine] = {}
_tables: dict[tuple[str, float, str], Table] = {}


def _read_only(engine: Engine, timeout: float) -> None:
    """Every pooled connection refuses writes, and PostgreSQL stops slow statements."""
    postgres = engine.dialect.name == "postgresql"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        if postgres:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            cursor.execute(f"SET statement_timeout = {int(timeout * 1000)}")
        elif engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()
        if postgres:
            dbapi_conn.commit()


def engine_for(url: str, timeout: float) -> Engine:
    """One engine (and pool) per source URL and timeout, made on first use."""
    key = (url, timeout)
    engine = _engines.get(key)
    if engine is None:
        with _lock:
            engine = _engines.get(key)
            if engine is None:
                extra: dict[str, Any] = {}
                if not url.startswith("sqlite"):
                    extra["connect_args"] = {"connect_timeout": max(1, int(timeout))}
                engine = make_engine(url, **extra)
                _read_only(engine, timeout)
                _engines[key] = engine
    return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _tables.clear()


class SqlConnector:
    def __init__(self, spec: SourceSpec, url: str) -> None:
        self.spec = spec
        self.url = url
        self.engine = engine_for(url, spec.timeout)

    # Building the statement ---------------------------------------------------------

    def _table(self) -> Table:
        key = (self.url, self.spec.timeout, self.spec.config["table"])
        table = _tables.get(key)
        if table is None:
            table = Table(self.spec.config["table"], MetaData(), autoload_with=self.engine)
            _tables[key] = table
        return table

    def _query_params(self) -> set[str]:
        """The :names a configured query declares; they are bound, not filtered on."""
        query = self.spec.config.get("query")
        return set(text(query)._bindparams) if query else set()

    def _source(self, params: dict[str, str]) -> FromClause:
        if "query" in self.spec.config:
            clause = text(self.spec.config["query"])
            wanted = self._query_params()
            clause = clause.bindparams(**{k: v for k, v in params.items() if k in wanted})
            names = {self.spec.column(f) for f in self.spec.fields} | set(self.spec.key_columns)
            return clause.columns(*(column(n) for n in sorted(names))).subquery("q")
        return self._table()

    def _statement(
        self, key: str | None, filters: dict[str, str], fields: list[str]
    ) -> Select[Any]:
        params = dict(filters)
        if key is not None:
            params["key"] = key
        source = self._source(params)
        bound = self._query_params()
        conditions: list[ColumnElement[bool]] = []
        if key is not None and "key" not in bound:
            conditions.append(or_(*(source.c[c] == key for c in self.spec.key_columns)))
        for name, value in filters.items():
            if name not in bound:
                conditions.append(source.c[self.spec.column(name)] == value)
        columns = [source.c[self.spec.column(f)].label(f) for f in fields]
        order = list(getattr(source, "primary_key", [])) or [source.c[self.spec.key_columns[0]]]
        return select(*columns).where(*conditions).order_by(*order)

    # Running it ---------------------------------------------------------------------

    def _run(self, statement: Select[Any]) -> list[Row]:
        try:
            with self.engine.connect() as conn:
                return [dict(r) for r in conn.execute(statement).mappings()]
        except Problem:
            raise
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == QUERY_CANCELED:
                raise timed_out(self.spec.code, self.spec.timeout) from None
            log.warning("source of %s failed: %s", self.spec.code, exc)
            raise failed(self.spec.code) from None
        except (SQLAlchemyError, KeyError) as exc:
            log.warning("source of %s failed: %r", self.spec.code, exc)
            raise failed(self.spec.code) from None

    def fetch(
        self, key: str | None, filters: dict[str, str], fields: list[str], limit: int, offset: int
    ) -> list[Row]:
        statement = self._guarded(lambda: self._statement(key, filters, fields))
        return self._run(statement.limit(limit).offset(offset))

    def iter_rows(self, fields: list[str], batch: int = 10000) -> Iterator[list[Row]]:
        statement = self._guarded(lambda: self._statement(None, {}, fields))
        try:
            with self.engine.connect() as conn:
                result = conn.execution_options(stream_results=True).execute(statement)
                for part in result.mappings().partitions(batch):
                    yield [dict(r) for r in part]
        except SQLAlchemyError as exc:
            log.warning("scan of %s failed: %r", self.spec.code, exc)
            raise failed(self.spec.code) from None

    def check(self) -> str:
        rows = self.fetch(None, {}, list(self.spec.fields), 1, 0)
        return f"SQL source answered ({self.engine.dialect.name}); first row: {len(rows)} found"

    def _guarded(self, build: Any) -> Select[Any]:
        # Reflection and a missing column are configuration faults: a 502, not a 500.
        try:
            statement: Select[Any] = build()
        except (SQLAlchemyError, NoSuchTableError, KeyError) as exc:
            log.warning("source of %s is misconfigured: %r", self.spec.code, exc)
            raise failed(self.spec.code) from None
        return statement
