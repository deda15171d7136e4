"""Working-day arithmetic over weekends, holidays and adjusted working days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from onceonly.core.calendar import CalendarDay, WorkCalendar, load_calendar

NATIONAL_DAY = frozenset(date(2026, 10, d) for d in range(1, 8))
CAL = WorkCalendar(
    holidays=NATIONAL_DAY, extra_workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)})
)


def test_weekend_is_skipped() -> None:
    friday = date(2026, 11, 20)
    assert WorkCalendar().add_working_days(friday, 1) == date(2026, 11, 23)
    assert WorkCalendar().add_working_days(friday, 5) == date(2026, 11, 27)


def test_zero_days_is_the_same_day() -> None:
    assert CAL.add_working_days(date(2026, 11, 22), 0) == date(2026, 11, 22)


def test_holiday_week_is_skipped_and_adjusted_saturday_counts() -> None:
    # Submitted on Wednesday 30 September: 1 Oct - 7 Oct is the holiday,
    # Thursday 8 and Friday 9 are working days, Saturday 10 October is an adjusted one.
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert CAL.add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)


def test_adjusted_sunday_is_a_workday() -> None:
    assert CAL.is_workday(date(2026, 9, 20))
    assert not CAL.is_workday(date(2026, 9, 27))


def test_working_days_between() -> None:
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert CAL.working_days_between(date(2026, 10, 12), date(2026, 10, 1)) == 0


def test_negative_days_rejected() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 1, 1), -1)


def test_deadline_is_end_of_working_day_in_china() -> None:
    submitted = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Friday 23:00 in Beijing
    due = WorkCalendar().deadline(submitted, 2)
    assert due == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # Tuesday 17:30 Beijing


def test_calendar_loads_from_database(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.add(CalendarDay(day=date(2026, 10, 1), is_workday=False, name="国庆节"))
        session.add(CalendarDay(day=date(2026, 10, 10), is_workday=True, name="调休"))
    with db.session() as session:
        calendar = load_calendar(session)
    assert not calendar.is_workday(date(2026, 10, 1))
    assert calendar.is_workday(date(2026, 10, 10))
