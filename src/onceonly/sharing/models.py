"""Access requests (a consumer asks a provider for a resource) and the grants they make."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, Text, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.catalog.models import Resource
from onceonly.core import cache
from onceonly.core.db import Base, DepartmentId, FreeText, IntPk, JsonList, Timestamp, str_enum
from onceonly.identity.models import Client, Department


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AccessRequest(Base):
    """A consumer department asks for a resource's fields for one of its system clients."""

    __tablename__ = "sharing_requests"
    __table_args__ = (Index("ix_sharing_requests_status_due", "status", "due_at"),)

    id: Mapped[IntPk]
    consumer_id: Mapped[DepartmentId]
    provider_id: Mapped[DepartmentId]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    duration_days: Mapped[int]
    expected_volume: Mapped[int]  # look-ups per day the consumer expects
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus))
    requested_by: Mapped[str] = mapped_column(String(120))
    submitted_at: Mapped[Timestamp]
    due_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    # What the reviewer approved (may be fewer fields), or why they rejected.
    approved_fields: Mapped[JsonList]
    reason: Mapped[FreeText]
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_grants.id"))

    consumer: Mapped[Department] = relationship(
        foreign_keys="AccessRequest.consumer_id", lazy="joined"
    )
    provider: Mapped[Department] = relationship(
        foreign_keys="AccessRequest.provider_id", lazy="joined"
    )
    client: Mapped[Client] = relationship(lazy="joined")
    resource: Mapped[Resource] = relationship(lazy="joined")

    def is_overdue(self, now: datetime) -> bool:
        return self.status is RequestStatus.PENDING and self.due_at < now


class Grant(Base):
    """What a system client may read from a resource, until it expires or is revoked."""

    __tablename__ = "sharing_grants"
    __table_args__ = (Index("ix_sharing_grants_client_resource", "client_id", "resource_id"),)

    id: Mapped[IntPk]
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    # Fields answered unmasked even when sensitive or personal.
    clear_fields: Mapped[JsonList]
    purpose: Mapped[str] = mapped_column(Text)
    rate_limit_per_minute: Mapped[int] = mapped_column(default=600)
    created_at: Mapped[Timestamp]
    created_by: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str] = mapped_column(String(120), default="")
    revoke_reason: Mapped[FreeText]

    client: Mapped[Client] = relationship(lazy="joined")
    resource: Mapped[Resource] = relationship(lazy="joined")

    def is_active(self, now: datetime) -> bool:
        """Live: neither revoked nor expired at `now` (`live_at` says the same in SQL)."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @classmethod
    def live_at(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.revoked_at.is_(None), or_(cls.expires_at.is_(None), cls.expires_at > now))


# The exchange gateway caches grants (core.cache): a change must reach every process.
cache.watch(Grant)
