"""Working days: deadlines in Chinese administration are counted in working days.

Weekends are rest days unless the State Council makes one a working day (调休); public
holidays are rest days. Both kinds of exception live in the `calendar_days` table and
are loaded into a `WorkCalendar`, so the arithmetic itself is pure and testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from onceonly.core.db import Base

CHINA_TZ = ZoneInfo("Asia/Shanghai")
END_OF_WORKDAY = time(17, 30)


class CalendarDay(Base):
    """An exception to the weekday rule: a holiday, or a weekend made a working day."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(100), default="")


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself does not count)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def deadline(self, submitted_at: datetime, days: int) -> datetime:
        """End of the working day that is `days` working days after submission (UTC)."""
        local_day = submitted_at.astimezone(CHINA_TZ).date()
        due = self.add_working_days(local_day, days)
        return datetime.combine(due, END_OF_WORKDAY, tzinfo=CHINA_TZ).astimezone(UTC)


def load_calendar(session: Session) -> WorkCalendar:
    rows = session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all()
    return WorkCalendar(
        holidays=frozenset(d for d, work in rows if not work),
        extra_workdays=frozenset(d for d, work in rows if work),
    )
