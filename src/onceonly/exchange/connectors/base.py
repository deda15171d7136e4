"""What every connector offers, and the errors it raises."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from onceonly.core.errors import UpstreamError, UpstreamTimeout

Row = dict[str, Any]

# What a client sees when a source fails: no host names, no driver messages.
PROVIDER_FAILED = "the data provider's system failed to answer; try again later"
PROVIDER_SLOW = "the data provider's system did not answer within {seconds:g} s"


@dataclass(frozen=True)
class SourceSpec:
    """What a connector needs to know of the resource it serves."""

    code: str
    key_field: str
    fields: tuple[str, ...]
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def timeout(self) -> float:
        return float(self.config.get("timeout", 5))

    def column(self, name: str) -> str:
        columns: dict[str, str] = self.config.get("columns") or {}
        return columns.get(name, name)

    @property
    def key_columns(self) -> list[str]:
        return list(self.config.get("key_columns") or [self.column(self.key_field)])


class Connector(Protocol):
    def fetch(
        self, key: str | None, filters: dict[str, str], fields: list[str], limit: int, offset: int
    ) -> list[Row]: ...

    def iter_rows(self, fields: list[str], batch: int = 10000) -> Iterator[list[Row]]: ...

    def check(self) -> str: ...


def failed(resource: str) -> UpstreamError:
    return UpstreamError(PROVIDER_FAILED, resource=resource)


def timed_out(resource: str, seconds: float) -> UpstreamTimeout:
    return UpstreamTimeout(PROVIDER_SLOW.format(seconds=seconds), resource=resource)


def matches(row: Row, spec: SourceSpec, key: str | None, filters: dict[str, str]) -> bool:
    """Exact matching for sources that cannot filter themselves (files, HTTP lists)."""
    if key is not None and not any(str(row.get(c, "")) == key for c in spec.key_columns):
        return False
    return all(str(row.get(spec.column(f), "")) == v for f, v in filters.items())


def project(row: Row, spec: SourceSpec, fields: list[str]) -> Row:
    return {f: row.get(spec.column(f)) for f in fields}
