"""HTTP JSON sources: a URL template with the subject key, an auth header, a timeout."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx

from onceonly.core.logs import outgoing_headers
from onceonly.exchange.connectors.base import (
    Row,
    SourceSpec,
    failed,
    matches,
    project,
    timed_out,
)

log = logging.getLogger("onceonly.exchange.http")
# One pooled client for every HTTP source; httpx.Client is safe across threads.
_client = httpx.Client(follow_redirects=False, headers={"accept": "application/json"})


def _rows(payload: Any) -> list[Row]:
    if isinstance(payload, dict) and isinstance(payload.get("rows"), list):
        payload = payload["rows"]
    if isinstance(payload, dict):
        return [payload]
    if isinstance(payload, list) and all(isinstance(r, dict) for r in payload):
        return payload
    raise ValueError("the answer is not a JSON object or a list of objects")


class HttpConnector:
    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.template: str = spec.config["url_template"]

    def _get(self, key: str | None, filters: dict[str, str]) -> list[Row]:
        url = self.template.replace("{key}", quote(key or "", safe=""))
        headers = outgoing_headers()  # the request id, for the department's own logs
        if auth := self.spec.config.get("auth_header"):
            headers["authorization"] = auth
        try:
            response = _client.get(url, params=filters, headers=headers, timeout=self.spec.timeout)
        except httpx.TimeoutException:
            raise timed_out(self.spec.code, self.spec.timeout) from None
        except httpx.HTTPError as exc:
            log.warning("HTTP source of %s failed: %r", self.spec.code, exc)
            raise failed(self.spec.code) from None
        if response.status_code == 404:
            return []  # no such subject
        try:
            response.raise_for_status()
            return _rows(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("HTTP source of %s answered badly: %r", self.spec.code, exc)
            raise failed(self.spec.code) from None

    def fetch(
        self, key: str | None, filters: dict[str, str], fields: list[str], limit: int, offset: int
    ) -> list[Row]:
        # The source may ignore our query parameters: match again here.
        rows = [r for r in self._get(key, filters) if matches(r, self.spec, key, filters)]
        return [project(r, self.spec, fields) for r in rows[offset : offset + limit]]

    def iter_rows(self, fields: list[str], batch: int = 10000) -> Iterator[list[Row]]:
        rows = [project(r, self.spec, fields) for r in self._get(None, {})]
        for start in range(0, len(rows), batch):
            yield rows[start : start + batch]

    def check(self) -> str:
        rows = self._get(None, {})
        return f"HTTP source answered with {len(rows)} rows"
