"""Data resources, their fields and their version history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.core import cache
from onceonly.core.db import (
    Base,
    DepartmentId,
    FreeText,
    IntPk,
    JsonList,
    Name,
    NameEn,
    Timestamp,
    str_enum,
)
from onceonly.identity.models import Department


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

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[Name]
    name_en: Mapped[NameEn]
    description: Mapped[FreeText]
    description_en: Mapped[FreeText]
    department_id: Mapped[DepartmentId]
    subject_type: Mapped[SubjectType] = mapped_column(str_enum(SubjectType))
    # The field that identifies a subject (an ID number, a credit code, a licence no.).
    key_field: Mapped[str] = mapped_column(String(60))
    share_class: Mapped[ShareClass] = mapped_column(str_enum(ShareClass), index=True)
    open_class: Mapped[OpenClass] = mapped_column(str_enum(OpenClass), index=True)
    legal_basis: Mapped[FreeText]
    update_frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency))
    # How the exchange reaches the source; see exchange.connectors for each kind's keys.
    connector_kind: Mapped[ConnectorKind] = mapped_column(str_enum(ConnectorKind))
    connector_config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tags: Mapped[JsonList]
    version: Mapped[int] = mapped_column(default=1)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]

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

    id: Mapped[IntPk]
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    type: Mapped[FieldType] = mapped_column(str_enum(FieldType))
    description: Mapped[str] = mapped_column(String(300), default="")
    sensitivity: Mapped[Sensitivity] = mapped_column(str_enum(Sensitivity))
    # The label in English (`description` is the Chinese one), and what coded values
    # mean: {"F": ["女", "female"]} (Chinese, English).
    description_en: Mapped[str] = mapped_column(String(300), default="")
    codes: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)


class ResourceVersion(Base):
    """A snapshot of a resource's metadata each time its field list changed."""

    __tablename__ = "catalog_resource_versions"
    __table_args__ = (UniqueConstraint("resource_id", "version"),)

    id: Mapped[IntPk]
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(300), default="")
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[Timestamp]


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

    id: Mapped[IntPk]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[FreeText]
    requester_id: Mapped[DepartmentId]
    # The department the requester presumes holds the data; it is asked to answer.
    provider_id: Mapped[DepartmentId]
    fields_wanted: Mapped[JsonList]
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[NeedStatus] = mapped_column(str_enum(NeedStatus))
    posted_by: Mapped[str] = mapped_column(String(120))
    posted_at: Mapped[Timestamp]
    due_at: Mapped[datetime]  # the provider should answer by then (working days)
    answered_by: Mapped[str] = mapped_column(String(120), default="")
    answered_at: Mapped[datetime | None]
    answer: Mapped[FreeText]  # plan, or why not
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="SET NULL")
    )
    fulfilled_at: Mapped[datetime | None]

    requester: Mapped[Department] = relationship(
        foreign_keys="DataNeed.requester_id", lazy="joined"
    )
    provider: Mapped[Department] = relationship(foreign_keys="DataNeed.provider_id", lazy="joined")
    resource: Mapped[Resource | None] = relationship(lazy="joined")

    def is_overdue(self, now: datetime) -> bool:
        return self.status is NeedStatus.OPEN and self.due_at < now


# The exchange gateway caches resources (core.cache): a change must reach every process.
cache.watch(Resource, ResourceField)
