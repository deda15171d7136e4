"""Public holidays and adjusted working days (调休) for the demo calendar, 2025-2026,
as announced by the State Council General Office. Operators maintain the real table."""

from __future__ import annotations

from datetime import date, timedelta


def _span(start: date, days: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(days)]


HOLIDAYS: list[tuple[date, str]] = [
    *[(d, "元旦") for d in _span(date(2025, 1, 1), 1)],
    *[(d, "春节") for d in _span(date(2025, 1, 28), 8)],
    *[(d, "清明节") for d in _span(date(2025, 4, 4), 3)],
    *[(d, "劳动节") for d in _span(date(2025, 5, 1), 5)],
    *[(d, "端午节") for d in _span(date(2025, 5, 31), 3)],
    *[(d, "国庆节、中秋节") for d in _span(date(2025, 10, 1), 8)],
    *[(d, "元旦") for d in _span(date(2026, 1, 1), 3)],
    *[(d, "春节") for d in _span(date(2026, 2, 15), 9)],
    *[(d, "清明节") for d in _span(date(2026, 4, 4), 3)],
    *[(d, "劳动节") for d in _span(date(2026, 5, 1), 5)],
    *[(d, "端午节") for d in _span(date(2026, 6, 19), 3)],
    *[(d, "中秋节") for d in _span(date(2026, 9, 25), 3)],
    *[(d, "国庆节") for d in _span(date(2026, 10, 1), 7)],
]
EXTRA_WORKDAYS: list[tuple[date, str]] = [
    (date(2025, 1, 26), "春节调休"),
    (date(2025, 2, 8), "春节调休"),
    (date(2025, 4, 27), "劳动节调休"),
    (date(2025, 9, 28), "国庆节调休"),
    (date(2025, 10, 11), "国庆节调休"),
    (date(2026, 1, 4), "元旦调休"),
    (date(2026, 2, 14), "春节调休"),
    (date(2026, 2, 28), "春节调休"),
    (date(2026, 5, 9), "劳动节调休"),
    (date(2026, 9, 20), "国庆节调休"),
    (date(2026, 10, 10), "国庆节调休"),
]
