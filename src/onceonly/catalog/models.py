"""Data resources, their fields and their version history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.core import cache
from onceonly.core.db import Base, utcnow
from onceonly.identity.models import Department


def _enum(kind: type[enum.Enum]) -> Enum:
    # Stored as plain strings so both databases and the migrations agree.
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class SubjectType(enum.StrEnum):
    PERSON = "person"
    ENTITY = "entity"
    OTHER = "other"


class ShareClass(enum.StrEnum):
    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NOT_SHARED = "not_shared"


class OpenClass(enum.StrEnum):
    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NOT_OPEN = "not_open"


class Sensitivity(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    SENSITIVE = "sensitive"
    PERSONAL = "personal"


class FieldType(enum.StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"


class Frequency(enum.StrEnum):
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    ONCE = "once"


class ConnectorKind(enum.StrEnum):
    SQL = "sql"
    HTTP = "http"
    FILE = "file"


class Resource(Base):
    """A data resource a department holds and declares; the data stays in its source."""

    __tablename__ = "catalog_resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    subject_type: Mapped[SubjectType] = mapped_column(_enum(SubjectType))
    # The field that identifies a subject (an ID number, a credit code, a licence no.).
    key_field: Mapped[str] = mapped_column(String(60))
    share_class: Mapped[ShareClass] = mapped_column(_enum(ShareClass), index=True)
    open_class: Mapped[OpenClass] = mapped_column(_enum(OpenClass), index=True)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    update_frequency: Mapped[Frequency] = mapped_column(_enum(Frequency))
    # How the exchange reaches the source; see exchange.connectors for each kind's keys.
    connector_kind: Mapped[ConnectorKind] = mapped_column(_enum(ConnectorKind))
    connector_config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    fields: Mapped[list[ResourceField]] = relationship(
        cascade="all, delete-orphan",
        order_by="ResourceField.position",
        lazy="selectin",
    )

    def field(self, name: str) -> ResourceField | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


class ResourceField(Base):
    """One field of a resource's current version."""

    __tablename__ = "catalog_resource_fields"
    __table_args__ = (UniqueConstraint("resource_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    type: Mapped[FieldType] = mapped_column(_enum(FieldType))
    description: Mapped[str] = mapped_column(String(300), default="")
    sensitivity: Mapped[Sensitivity] = mapped_column(_enum(Sensitivity))
    # The label in English (`description` is the Chinese one), and what coded values
    # mean: {"F": ["女", "female"]} (Chinese, English).
    description_en: Mapped[str] = mapped_column(String(300), default="")
    codes: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)


class ResourceVersion(Base):
    """A snapshot of a resource's metadata each time its field list changed."""

    __tablename__ = "catalog_resource_versions"
    __table_args__ = (UniqueConstraint("resource_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(300), default="")
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourceTag(Base):
    """One tag of a resource, kept beside the full-text index so that tag facets and
    filters are plain indexed SQL on both databases (the JSON `tags` column stays the
    resource's own record)."""

    __tablename__ = "catalog_resource_tags"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class NeedStatus(enum.StrEnum):
    OPEN = "open"  # posted, the provider has not answered
    ANSWERED = "answered"  # the provider will provide, no resource linked yet
    FULFILLED = "fulfilled"  # a resource answers the need
    DECLINED = "declined"  # the provider cannot provide, with its reason


class DataNeed(Base):
    """A department's need for data that no registered resource offers yet."""

    __tablename__ = "catalog_needs"
    __table_args__ = (Index("ix_catalog_needs_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    requester_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    # The department the requester presumes holds the data; it is asked to answer.
    provider_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    fields_wanted: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[NeedStatus] = mapped_column(_enum(NeedStatus))
    posted_by: Mapped[str] = mapped_column(String(120))
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]  # the provider should answer by then (working days)
    answered_by: Mapped[str] = mapped_column(String(120), default="")
    answered_at: Mapped[datetime | None]
    answer: Mapped[str] = mapped_column(Text, default="")  # plan, or why not
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="SET NULL")
    )
    fulfilled_at: Mapped[datetime | None]

    requester: Mapped[Department] = relationship(foreign_keys=[requester_id], lazy="joined")
    provider: Mapped[Department] = relationship(foreign_keys=[provider_id], lazy="joined")
    resource: Mapped[Resource | None] = relationship(lazy="joined")

    def is_overdue(self, now: datetime) -> bool:
        return self.status is NeedStatus.OPEN and self.due_at < now


# The exchange gateway caches resources (core.cache): a change must reach every process.
cache.watch(Resource, ResourceField)
