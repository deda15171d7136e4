"""The scorecard as JSON and as CSV rows (the same columns, in the same order)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from onceonly.core.downloads import csv_text
from onceonly.supervision.service import Scorecard


class FlagOut(BaseModel):
    code: str
    kind: str
    value: float


class ScorecardOut(BaseModel):
    department_code: str
    department: str
    resources: int
    not_shared: int
    open_resources: int
    requests_received: int
    requests_decided: int
    requests_on_time_rate: float | None
    requests_rejection_rate: float | None
    requests_overdue_now: int
    gateway_calls: int
    source_error_rate: float | None
    slowest_p95_ms: float | None
    appeals_accepted: int
    appeals_on_time_rate: float | None
    appeals_satisfaction_rate: float | None
    open_applications_overdue: int
    open_quality_flags: int
    incomplete_service_guides: int
    service_cases: int
    service_cases_on_time_rate: float | None
    service_cases_overdue: int
    flags: list[FlagOut]


class SupervisionOut(BaseModel):
    start: date
    end: date
    departments: list[ScorecardOut]


def to_out(card: Scorecard) -> ScorecardOut:
    sharing, appeals, services = card.sharing, card.appeals, card.services
    return ScorecardOut(
        department_code=card.department_code,
        department=card.department,
        resources=card.resources,
        not_shared=card.not_shared,
        open_resources=card.open_resources,
        requests_received=sharing.received if sharing else 0,
        requests_decided=sharing.decided if sharing else 0,
        requests_on_time_rate=sharing.on_time_rate if sharing else None,
        requests_rejection_rate=sharing.rejection_rate if sharing else None,
        requests_overdue_now=sharing.overdue_now if sharing else 0,
        gateway_calls=card.calls,
        source_error_rate=card.upstream_error_rate,
        slowest_p95_ms=round(card.slowest_p95_ms, 1) if card.slowest_p95_ms is not None else None,
        appeals_accepted=appeals.accepted if appeals else 0,
        appeals_on_time_rate=appeals.on_time_rate if appeals else None,
        appeals_satisfaction_rate=appeals.satisfaction_rate if appeals else None,
        open_applications_overdue=card.open_overdue,
        open_quality_flags=card.open_quality_flags,
        incomplete_service_guides=card.incomplete_guides,
        service_cases=services.cases if services else 0,
        service_cases_on_time_rate=services.on_time_share
        if services and services.decided
        else None,
        service_cases_overdue=services.overdue if services else 0,
        flags=[FlagOut(code=f.code, kind=f.kind, value=f.value) for f in card.flags],
    )


def to_csv(cards: list[ScorecardOut]) -> str:
    """UTF-8 CSV; rates as percentages with one decimal, flags as `code;code`."""
    columns = [name for name in ScorecardOut.model_fields if name != "flags"]
    return csv_text(
        [*columns, "flags"],
        (
            [_cell(name, values[name]) for name in columns] + [";".join(f.code for f in card.flags)]
            for card, values in ((card, card.model_dump()) for card in cards)
        ),
    )


def _cell(name: str, value: object) -> object:
    if value is None:
        return ""
    if name.endswith("_rate") and isinstance(value, float):
        return f"{value * 100:.1f}"
    return value
