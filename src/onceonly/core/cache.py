"""One cache for the few rows a hot path reads on every call and that rarely change (the
gateway's API clients, grants and resources), correct across processes.

A process keeps its entries together with the generation they were read under: the one
row of `cache_generation`. A flush that adds, changes or deletes a row of a watched model
bumps that row in the same transaction, so once the change commits, the next transaction
in any process reads a newer generation and drops its entries before it uses one.
Reading the generation is one primary-key SELECT per transaction instead of the rows
themselves (docs/benchmarks.md: without the cache the gateway answered about half as
many calls). What expires with time (a key's or grant's `expires_at`) is still checked
by the caller on every hit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, Connection, select, update
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Mapped, Session, mapped_column

from onceonly.core.db import Base

V = TypeVar("V")
ROW_ID = 1
_MEMO = "cache_generation"  # in session.info: the generation this transaction read
_watched: set[type] = set()


class CacheGeneration(Base):
    """One row whose number goes up with every change to a watched model."""

    __tablename__ = "cache_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


def watch(*models: type) -> None:
    """Changing a row of these models invalidates what every process has cached."""
    _watched.update(models)


def db_key(session: Session) -> object:
    """Which database a session talks to (tests run many in one process)."""
    bind = session.get_bind()
    return bind.engine.url if isinstance(bind, Connection) else bind.url


def generation(session: Session) -> int | None:
    """The generation, read once per transaction; None where the row is missing (a
    database not migrated this far), which means: do not cache."""
    if _MEMO not in session.info:
        query = select(CacheGeneration.generation).where(CacheGeneration.id == ROW_ID)
        session.info[_MEMO] = session.scalar(query)
    found: int | None = session.info[_MEMO]
    return found


@listens_for(Session, "before_flush")
def _bump_on_change(session: Session, _context: Any, _instances: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(type(row) in _watched for row in changed):
        bump = update(CacheGeneration).where(CacheGeneration.id == ROW_ID)
        session.connection().execute(bump.values(generation=CacheGeneration.generation + 1))
        session.info.pop(_MEMO, None)


@listens_for(Session, "after_transaction_end")
def _forget_generation(session: Session, _transaction: Any) -> None:
    session.info.pop(_MEMO, None)


class SharedCache(Generic[V]):
    """Values by key, per database, kept while the generation they were read under is
    the current one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_db: dict[object, tuple[int, dict[Hashable, V]]] = {}

    def get(self, session: Session, key: Hashable, load: Callable[[], V]) -> V:
        """The cached value, or `load()` (whose exceptions are not cached)."""
        current = generation(session)
        if current is None:
            return load()
        db = db_key(session)
        seen, entries = self._by_db.get(db, (None, {}))
        if seen == current and key in entries:
            return entries[key]
        value = load()
        with self._lock:
            seen, entries = self._by_db.get(db, (None, {}))
            if seen != current:
                entries = {}
                self._by_db[db] = (current, entries)
            entries[key] = value
        return value
