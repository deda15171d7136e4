"""Where snapshot rows come from: the resource's source connector, read in full.

The exchange domain owns connectors (`onceonly.exchange.connectors.open_connector`,
see INTERFACES.md); when it is installed, snapshots go through it. Until the exchange
branch is merged, `_fallback_rows` reads the two connector kinds open data needs
(sql and file) directly.
TODO(after the exchange merge): delete `_fallback_rows` and always use open_connector.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import column, create_engine, select, table, text

from onceonly.catalog.models import ConnectorKind, Resource
from onceonly.core.errors import Invalid, UpstreamError
from onceonly.core.settings import Settings
from onceonly.demo.sources import source_url

Batch = list[dict[str, Any]]


def iter_rows(
    resource: Resource, settings: Settings, fields: list[str], batch: int = 10_000
) -> Iterator[Batch]:
    """Every row of `resource` as batches of {field: value}, streamed from the source."""
    if importlib.util.find_spec("onceonly.exchange") and importlib.util.find_spec(
        "onceonly.exchange.connectors"
    ):
        connectors = importlib.import_module("onceonly.exchange.connectors")
        yield from connectors.open_connector(resource, settings).iter_rows(fields, batch=batch)
        return
    yield from _fallback_rows(resource, settings, fields, batch)


def _fallback_rows(
    resource: Resource, settings: Settings, fields: list[str], batch: int
) -> Iterator[Batch]:
    config = resource.connector_config or {}
    if resource.connector_kind is ConnectorKind.SQL:
        yield from _sql_rows(config, settings, fields, batch)
    elif resource.connector_kind is ConnectorKind.FILE:
        yield from _file_rows(config, settings, fields, batch)
    else:
        raise Invalid(
            f"resource {resource.code} has a {resource.connector_kind} connector: "
            "snapshots need the exchange connectors for it"
        )


def _sql_rows(
    config: dict[str, Any], settings: Settings, fields: list[str], batch: int
) -> Iterator[Batch]:
    if "url" in config:
        url = str(config["url"])
    elif "source" in config:
        url = source_url(settings.database_url, settings.data_dir, str(config["source"]))
    else:
        raise Invalid("the sql connector needs 'url' or 'source'")
    names: dict[str, str] = {f: str(config.get("columns", {}).get(f, f)) for f in fields}
    if "table" in config:
        query: Any = select(*(column(names[f]).label(f) for f in fields)).select_from(
            table(str(config["table"]))
        )
    elif "query" in config:
        query = text(str(config["query"]))
    else:
        raise Invalid("the sql connector needs 'table' or 'query'")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
            keys = list(result.keys())
            for part in result.partitions(batch):
                rows = [dict(zip(keys, row, strict=True)) for row in part]
                yield [{f: _plain(r.get(names[f], r.get(f))) for f in fields} for r in rows]
    except Invalid:
        raise
    except Exception as exc:  # the source is not ours: any failure is the provider's
        raise UpstreamError(f"the source failed: {type(exc).__name__}: {exc}") from exc
    finally:
        engine.dispose()


def _file_rows(
    config: dict[str, Any], settings: Settings, fields: list[str], batch: int
) -> Iterator[Batch]:
    path = Path(str(config.get("path", "")))
    if not path.is_absolute():
        path = settings.data_dir / path
    if not path.is_file():
        raise UpstreamError(f"the source file {path.name} is missing")
    if path.suffix == ".parquet":
        for record_batch in pq.ParquetFile(path).iter_batches(batch_size=batch, columns=fields):
            yield [{f: _plain(v) for f, v in row.items()} for row in record_batch.to_pylist()]
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows: Batch = []
        for row in csv.DictReader(handle):
            rows.append({f: row.get(f) for f in fields})
            if len(rows) >= batch:
                yield rows
                rows = []
        if rows:
            yield rows


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
