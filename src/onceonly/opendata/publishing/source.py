"""Where snapshot rows come from: the resource's source connector, read in full.

Connectors belong to the exchange domain (`onceonly.exchange.connectors`): a snapshot
reads a department's source the same way the exchange gateway does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from onceonly.catalog.models import Resource
from onceonly.core.settings import Settings
from onceonly.exchange.connectors import open_connector

Batch = list[dict[str, Any]]


def iter_rows(
    resource: Resource, settings: Settings, fields: list[str], batch: int = 10_000
) -> Iterator[Batch]:
    """Every row of `resource` as batches of {field: value}, streamed from the source."""
    yield from open_connector(resource, settings).iter_rows(fields, batch=batch)
