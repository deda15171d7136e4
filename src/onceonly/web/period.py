"""A reporting period picked on a page or in a query string: two dates, China time.

Figures pages (hotline figures, supervision) take `start` and `end` as YYYY-MM-DD; both
default to the year up to today, and the end day is included. A route takes them as one
parameter, `period: ReportPeriod` (or `OptionalPeriod` where no dates means no filter),
rather than as two strings it parses itself.

It lives beside `web.i18n`, not in `core`, because its refusals are in the reader's
language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Depends, Query

from onceonly.core.calendar import CHINA_TZ
from onceonly.core.errors import Invalid
from onceonly.web.i18n import gettext as _

StartParam = Annotated[str, Query(description="first day, YYYY-MM-DD (China time)")]
EndParam = Annotated[str, Query(description="last day, YYYY-MM-DD (China time), included")]


def parse_period(start: str, end: str, *, default_days: int = 365) -> tuple[date, date]:
    """The first and last day asked for; a malformed or reversed period is a 422."""
    today = datetime.now(CHINA_TZ).date()
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=default_days - 1)
    except ValueError:
        raise Invalid(_("Dates must be written as YYYY-MM-DD"), field="start") from None
    if first > last:
        raise Invalid(_("The period starts after it ends"), field="start")
    return first, last


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC: from the first day's midnight to the midnight after the last."""
    lo = datetime.combine(first, time(0), tzinfo=CHINA_TZ).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=CHINA_TZ).astimezone(UTC)
    return lo, hi


@dataclass(frozen=True)
class Period:
    """The days a report covers, first and last included."""

    first: date
    last: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC, for queries on timestamps."""
        return period_bounds(self.first, self.last)

    @property
    def start(self) -> str:
        return self.first.isoformat()

    @property
    def end(self) -> str:
        return self.last.isoformat()


def report_period(start: StartParam = "", end: EndParam = "") -> Period:
    """`start` and `end` of a figures page or report; by default the last 365 days."""
    return Period(*parse_period(start, end))


ReportPeriod = Annotated[Period, Depends(report_period)]


@dataclass(frozen=True)
class DateFilter:
    """Optional `start` and `end` of a list: as typed (to echo in the form), and the UTC
    bounds they mean, both None when neither was given."""

    start: str
    end: str
    lo: datetime | None
    hi: datetime | None


def date_filter(start: StartParam = "", end: EndParam = "") -> DateFilter:
    """A list filtered by day: a missing start reaches ten years back, a missing end is today."""
    if not start and not end:
        return DateFilter(start, end, None, None)
    return DateFilter(start, end, *period_bounds(*parse_period(start, end, default_days=3650)))


OptionalPeriod = Annotated[DateFilter, Depends(date_filter)]
