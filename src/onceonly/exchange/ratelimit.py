"""Per-grant call limits counted in the database, so every worker shares one count."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from onceonly.core.errors import TooManyRequests
from onceonly.exchange.models import RateWindow


def current_minute() -> int:
    return int(time.time() // 60)


def _refuse(limit: int) -> TooManyRequests:
    retry = 60 - int(time.time() % 60)
    return TooManyRequests(
        f"the grant allows {limit} calls a minute; try again in {retry} s",
        limit=limit,
        retry_after=retry,
    )


def check(session: Session, grant_id: int, limit: int) -> None:
    """Refuse before calling the provider when this minute's calls are used up."""
    used = session.scalar(
        select(RateWindow.calls).where(
            RateWindow.grant_id == grant_id, RateWindow.minute == current_minute()
        )
    )
    if used is not None and used >= limit:
        raise _refuse(limit)


def count(session: Session, grant_id: int, limit: int) -> None:
    """Count this call (one upsert); over the limit the caller's transaction is undone."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(RateWindow)
        .values(grant_id=grant_id, minute=current_minute(), calls=1)
        .on_conflict_do_update(
            index_elements=["grant_id", "minute"], set_={"calls": RateWindow.calls + 1}
        )
        .returning(RateWindow.calls)
    )
    calls = session.execute(statement).scalar_one()
    if calls > limit:
        raise _refuse(limit)


def prune(session: Session, keep_minutes: int = 5) -> int:
    """Drop finished windows (run from tasks)."""
    from sqlalchemy import delete

    result = session.execute(
        delete(RateWindow).where(RateWindow.minute < current_minute() - keep_minutes)
    )
    return int(getattr(result, "rowcount", 0) or 0)
