"""The database: declarative base, engine and session factory for SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Enum,
    ForeignKey,
    MetaData,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from onceonly.core.errors import NotFound

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


def str_enum(kind: type[enum.Enum], length: int = 20) -> Enum:
    """An enum stored as its values in a plain string column (no database enum type),
    so both databases and the migrations agree."""
    values = lambda members: [m.value for m in members]  # noqa: E731
    return Enum(kind, native_enum=False, length=length, values_callable=values)


# Columns every domain declares the same way, declared here once (`id: Mapped[IntPk]`):
# a model that needs something else spells its column out.
IntPk = Annotated[int, mapped_column(primary_key=True)]
# A moment that is "now" unless the code says otherwise (created_at, updated_at, at, …).
Timestamp = Annotated[datetime, mapped_column(default=utcnow)]
DepartmentId = Annotated[int, mapped_column(ForeignKey("departments.id"), index=True)]
# The display name in Chinese, and in English ("" until someone translates it).
Name = Annotated[str, mapped_column(String(200))]
NameEn = Annotated[str, mapped_column(String(200), default="")]
# Prose that may be left empty (a description, a legal basis, a note).
FreeText = Annotated[str, mapped_column(Text, default="")]
# A JSON list that starts empty (tags, scopes, field names).
JsonList = Annotated[list[str], mapped_column(JSON, default=list)]


Row = TypeVar("Row", bound=Base)


def get_or_not_found(
    session: Session, model: type[Row], key: object, detail: str, code: str | None = None
) -> Row:
    """The `model` row with primary key `key`; a missing one is the client's 404."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(detail, code=code)
    return row


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """One engine and its session factory; the app and the CLI each hold one."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on any error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
