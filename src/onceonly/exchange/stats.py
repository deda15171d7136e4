"""Traffic figures per resource: calls, errors, median and 95th-percentile latency.

`errors` counts every refused or failed call (4xx and 5xx); `upstream_errors` only those
where the provider's source was down or slow (502, 504), which is what supervision
holds against the provider department.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import quantiles

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.db import utcnow
from onceonly.exchange.models import ExchangeCall

UPSTREAM_FAILURES = frozenset({502, 504})


@dataclass
class Traffic:
    resource_code: str
    calls: int
    errors: int
    p50_ms: float
    p95_ms: float
    upstream_errors: int = 0

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


def percentile(values: list[float], pct: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=100, method="inclusive")[pct - 1]


def traffic(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[Traffic]:
    """Figures per resource over calls in [since, until) (default: the last 24 hours)."""
    since = since or utcnow() - timedelta(days=1)
    durations: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    upstream: dict[str, int] = defaultdict(int)
    query = select(ExchangeCall.resource_code, ExchangeCall.status, ExchangeCall.duration_ms).where(
        ExchangeCall.at >= since
    )
    if until is not None:
        query = query.where(ExchangeCall.at < until)
    for code, status, ms in session.execute(query):
        durations[code].append(ms)
        if status >= 400:
            errors[code] += 1
        if status in UPSTREAM_FAILURES:
            upstream[code] += 1
    return [
        Traffic(code, len(ms), errors[code], percentile(ms, 50), percentile(ms, 95), upstream[code])
        for code, ms in sorted(durations.items())
    ]


def daily_p95(
    session: Session, days: int = 14, top: int = 5
) -> tuple[list[str], dict[str, list[float | None]]]:
    """Who is getting slower: the p95 answer time (ms) per day of the `top` busiest
    resources over the last `days` days (UTC days)."""
    end = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    starts = [end - timedelta(days=days - i) for i in range(days)]
    per_day = [
        {t.resource_code: t for t in traffic(session, since=s, until=s + timedelta(days=1))}
        for s in starts
    ]
    busiest = sorted(traffic(session, since=starts[0], until=end), key=lambda t: -t.calls)[:top]
    series = {
        t.resource_code: [day[t.resource_code].p95_ms if t.resource_code in day else None
                          for day in per_day]
        for t in busiest
    }  # fmt: skip
    return [f"{s:%m-%d}" for s in starts], series
