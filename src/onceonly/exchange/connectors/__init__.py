"""Connectors reach a department's own source; the kind and config come from the catalog.

Config (Resource.connector_config) per kind:

- sql:  {"source": "<source code>" (sources.py) | "url": "<SQLAlchemy URL>",
         "table": "<table>" | "query": "<read-only SELECT with :named params>",
         "columns": {"<field>": "<column>"}, "key_columns": [...], "timeout": 5}
- http: {"url_template": "https://host/path/{key}", "auth_header": "Bearer …", "timeout": 5}
- file: {"path": "<.csv or .parquet, relative to the data dir or absolute>"}
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from onceonly.catalog.models import ConnectorKind, Resource
from onceonly.core import metrics
from onceonly.core.errors import UpstreamError
from onceonly.core.settings import Settings
from onceonly.exchange.connectors.base import Connector, Row, SourceSpec
from onceonly.exchange.connectors.file import FileConnector
from onceonly.exchange.connectors.http import HttpConnector
from onceonly.exchange.connectors.sources import source_url
from onceonly.exchange.connectors.sql import SqlConnector

__all__ = ["Connector", "Row", "SourceSpec", "connector_for", "open_connector", "spec_of"]


def spec_of(resource: Resource) -> SourceSpec:
    return SourceSpec(
        code=resource.code,
        key_field=resource.key_field,
        fields=tuple(resource.field_names),
        config=dict(resource.connector_config or {}),
    )


def sql_url(config: dict[str, object], settings: Settings) -> str:
    if url := config.get("url"):
        return str(url)
    return source_url(settings, str(config.get("source", "")))


class Timed:
    """A connector whose source latency and failures are counted, per kind and resource."""

    def __init__(self, inner: Connector, kind: str, spec: SourceSpec) -> None:
        self.inner, self.labels = inner, (kind, spec.code)

    def fetch(
        self, key: str | None, filters: dict[str, str], fields: list[str], limit: int, offset: int
    ) -> list[Row]:
        started = time.perf_counter()
        try:
            return self.inner.fetch(key, filters, fields, limit, offset)
        except Exception:
            metrics.SOURCE_FAILURES.labels(*self.labels).inc()
            raise
        finally:
            metrics.SOURCE_LATENCY.labels(*self.labels).observe(time.perf_counter() - started)

    def iter_rows(self, fields: list[str], batch: int = 10000) -> Iterator[list[Row]]:
        return self.inner.iter_rows(fields, batch)

    def check(self) -> str:
        return self.inner.check()


def connector_for(kind: ConnectorKind | str, spec: SourceSpec, settings: Settings) -> Connector:
    return Timed(_connector_for(kind, spec, settings), str(kind), spec)


def _connector_for(kind: ConnectorKind | str, spec: SourceSpec, settings: Settings) -> Connector:
    """A connector for a resource described by `spec`; a bad config is a provider fault."""
    try:
        if kind == ConnectorKind.SQL:
            if "table" not in spec.config and "query" not in spec.config:
                raise KeyError("a SQL connector needs 'table' or 'query'")
            return SqlConnector(spec, sql_url(spec.config, settings))
        if kind == ConnectorKind.HTTP:
            return HttpConnector(spec)
        if kind == ConnectorKind.FILE:
            return FileConnector(spec, settings.data_dir)
    except KeyError as exc:
        raise UpstreamError(
            f"resource {spec.code} has an incomplete connector configuration: {exc}",
            resource=spec.code,
        ) from None
    raise UpstreamError(f"resource {spec.code} has no known connector kind", resource=spec.code)


def open_connector(resource: Resource, settings: Settings) -> Connector:
    return connector_for(resource.connector_kind, spec_of(resource), settings)
