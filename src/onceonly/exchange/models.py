"""Gateway bookkeeping: per-minute call counters (rate limits) and one row per call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from onceonly.core.db import Base, IntPk, utcnow


class RateWindow(Base):
    """Calls under one grant in one wall-clock minute; shared by every worker."""

    __tablename__ = "exchange_rate_windows"

    grant_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_grants.id", ondelete="CASCADE"), primary_key=True
    )
    minute: Mapped[IntPk]  # Unix time // 60
    calls: Mapped[int] = mapped_column(default=0)


class ExchangeCall(Base):
    """One gateway call, successful or not, for the traffic figures."""

    __tablename__ = "exchange_calls"
    __table_args__ = (Index("ix_exchange_calls_resource_at", "resource_code", "at"),)

    id: Mapped[IntPk]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    resource_code: Mapped[str] = mapped_column(String(60))
    client_id: Mapped[int | None]
    status: Mapped[int]  # the HTTP status answered
    rows: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[float]
