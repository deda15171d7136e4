"""Handling deadlines in working days, over weekends and configured holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from onceonly.appeals import service
from onceonly.appeals.workflow import routing
from onceonly.core.actors import Actor
from onceonly.core.calendar import CHINA_TZ, CalendarDay, WorkCalendar

FRIDAY = datetime(2031, 1, 10, 10, 0, tzinfo=CHINA_TZ)  # a Friday


def _local(value: datetime | None) -> tuple[date, int, int]:
    assert value is not None
    local = value.astimezone(CHINA_TZ)
    return local.date(), local.hour, local.minute


@pytest.mark.parametrize(
    ("submitted", "days", "holidays", "workdays", "due"),
    [
        (FRIDAY, 1, (), (), date(2031, 1, 13)),  # over the weekend to Monday
        (FRIDAY, 5, (), (), date(2031, 1, 17)),
        (FRIDAY, 1, (date(2031, 1, 13),), (), date(2031, 1, 14)),  # Monday a holiday
        (FRIDAY, 1, (), (date(2031, 1, 11),), date(2031, 1, 11)),  # Saturday made a workday
        (datetime(2031, 1, 11, 9, tzinfo=CHINA_TZ), 1, (), (), date(2031, 1, 13)),  # Saturday
        # 23:30 on Friday in Beijing is still Friday, though it is 15:30 UTC.
        (datetime(2031, 1, 10, 15, 30, tzinfo=UTC), 1, (), (), date(2031, 1, 13)),
        # 01:00 on Saturday in Beijing is Friday in UTC: the local day counts.
        (datetime(2031, 1, 10, 17, 0, tzinfo=UTC), 1, (), (), date(2031, 1, 13)),
        (FRIDAY, 0, (), (), date(2031, 1, 10)),
    ],
)
def test_working_day_deadlines(
    submitted: datetime,
    days: int,
    holidays: tuple[date, ...],
    workdays: tuple[date, ...],
    due: date,
) -> None:
    calendar = WorkCalendar(frozenset(holidays), frozenset(workdays))
    assert _local(calendar.deadline(submitted, days)) == (due, 17, 30)


def test_appeal_deadlines_use_the_configured_calendar(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        routing.ensure_categories(session)
        # A week of holidays after the weekend, and the Sunday before made a workday.
        for day in range(13, 18):
            session.add(CalendarDay(day=date(2031, 1, day), is_workday=False, name="holiday"))
        session.add(CalendarDay(day=date(2031, 1, 12), is_workday=True, name="adjusted"))
        session.flush()
        actor = Actor.system("test")

        def submit(urgency: str) -> datetime | None:
            intake = service.Intake(
                category_code="road-damage",  # 5 working days, urgent 2
                description="Pothole",
                channel="phone",
                address="somewhere",
                urgency=urgency,
            )
            return service.submit(session, intake, actor, now=FRIDAY).due_at

        # Normal: Sun 12 (adjusted), then Mon 20 … Thu 23.
        assert _local(submit("normal")) == (date(2031, 1, 23), 17, 30)
        # Urgent: Sun 12, then Mon 20.
        assert _local(submit("urgent")) == (date(2031, 1, 20), 17, 30)
