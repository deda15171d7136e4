"""Traffic figures per resource: calls, errors, median and 95th-percentile latency."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import quantiles

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.db import utcnow
from onceonly.exchange.models import ExchangeCall


@dataclass
class Traffic:
    resource_code: str
    calls: int
    errors: int
    p50_ms: float
    p95_ms: float

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


def percentile(values: list[float], pct: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=100, method="inclusive")[pct - 1]


def traffic(session: Session, *, since: datetime | None = None) -> list[Traffic]:
    """Figures per resource over calls since `since` (default: the last 24 hours)."""
    since = since or utcnow() - timedelta(days=1)
    durations: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(ExchangeCall.resource_code, ExchangeCall.status, ExchangeCall.duration_ms).where(
            ExchangeCall.at >= since
        )
    )
    for code, status, ms in rows:
        durations[code].append(ms)
        if status >= 400:
            errors[code] += 1
    return [
        Traffic(code, len(ms), errors[code], percentile(ms, 50), percentile(ms, 95))
        for code, ms in sorted(durations.items())
    ]
