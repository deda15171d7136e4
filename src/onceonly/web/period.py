"""A reporting period picked on a page or in a query string: two dates, China time.

Figures pages (hotline figures, supervision) take `start` and `end` as YYYY-MM-DD; both
default to the year up to today, and the end day is included.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from onceonly.core.calendar import CHINA_TZ
from onceonly.core.errors import Invalid
from onceonly.web.i18n import gettext as _


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
