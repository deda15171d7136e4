"""Per-grant call limits counted in the database, so every worker shares one count.

The count is authoritative in `exchange_rate_windows`; each process also remembers the
last count it saw per grant, so a call over the limit is refused before the provider is
asked without a query on every call.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from onceonly.core.cache import db_key
from onceonly.core.errors import TooManyRequests
from onceonly.exchange.models import RateWindow

# (database, grant id) → (minute, calls counted)
_seen: dict[tuple[object, int], tuple[int, int]] = {}
_lock = threading.Lock()


def current_minute() -> int:
    return int(time.time() // 60)


def refusal(limit: int) -> TooManyRequests:
    retry = 60 - int(time.time() % 60)
    return TooManyRequests(
        f"the grant allows {limit} calls a minute; try again in {retry} s",
        limit=limit,
        retry_after=retry,
    )


def check(session: Session, grant_id: int, limit: int) -> None:
    """Refuse before calling the provider when this minute's calls are known used up."""
    minute, calls = _seen.get((db_key(session), grant_id), (0, 0))
    if minute == current_minute() and calls >= limit:
        raise refusal(limit)


def add(session: Session, grant_id: int, calls: int) -> int:
    """Count `calls` more calls this minute (one upsert); returns the minute's total."""
    minute = current_minute()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(RateWindow)
        .values(grant_id=grant_id, minute=minute, calls=calls)
        .on_conflict_do_update(
            index_elements=["grant_id", "minute"], set_={"calls": RateWindow.calls + calls}
        )
        .returning(RateWindow.calls)
    )
    total = int(session.execute(statement).scalar_one())
    with _lock:
        _seen[(db_key(session), grant_id)] = (minute, total)
    return total


def prune(session: Session, keep_minutes: int = 5) -> int:
    """Drop finished windows (run from tasks)."""
    result = session.execute(
        delete(RateWindow).where(RateWindow.minute < current_minute() - keep_minutes)
    )
    return int(getattr(result, "rowcount", 0) or 0)
