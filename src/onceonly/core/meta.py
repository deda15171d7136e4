"""Platform facts kept as key/value pairs (demo seeding steps, chain checkpoints …)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from onceonly.core.db import Base, utcnow


class PlatformMeta(Base):
    __tablename__ = "platform_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def get_meta(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(PlatformMeta, key)
    return default if row is None else row.value


def set_meta(session: Session, key: str, value: Any) -> None:
    row = session.get(PlatformMeta, key)
    if row is None:
        session.add(PlatformMeta(key=key, value=value))
    else:
        row.value = value
