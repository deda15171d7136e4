"""Bounded integers for route parameters and request bodies.

Python's int has no limit, the databases' integers do: a larger id or offset used to reach
the database and fail there (OverflowError on SQLite, "integer out of range" on
PostgreSQL, whose row ids are 32-bit INTEGER columns), a 500. Every integer a client
sends is one of these, so the bound shows in the OpenAPI schema and a value out of range
gets 422 problem+json before any query.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

MAX_ID = 2**31 - 1  # row ids are INTEGER (32-bit on PostgreSQL)
MAX_OFFSET = 10**12

Id = Annotated[int, Ge(1), Le(MAX_ID)]
"""A row id in a path, a query or a form."""
Offset = Annotated[int, Ge(0), Le(MAX_OFFSET)]
Count = Annotated[int, Ge(0), Le(MAX_ID)]
"""Any other non-negative amount (a volume, a number of days) without a tighter bound."""


def parse_id(text: str) -> int | None:
    """A row id typed as text (a path segment, a form field), or None if it is not one."""
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
