"""Open data: published datasets, their snapshots, and applications for conditional data."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.catalog.models import Resource
from onceonly.core.db import Base, DepartmentId, FreeText, IntPk, JsonList, Timestamp, str_enum
from onceonly.identity.models import Department


class SnapshotStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class Delivery(enum.StrEnum):
    LINK = "link"  # an expiring download link
    API_KEY = "api_key"  # a key scoped to this one application's rows


class Dataset(Base):
    """A resource published as open data: its DCAT metadata and its current snapshot."""

    __tablename__ = "opendata_datasets"

    id: Mapped[IntPk]
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="CASCADE"), unique=True
    )
    licence: Mapped[str] = mapped_column(String(60), default="CC-BY-4.0")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    theme: Mapped[str] = mapped_column(String(20), default="GOVE", index=True)
    # The generation readers are sent to; 0 = never snapshotted.
    generation: Mapped[int] = mapped_column(default=0)
    row_count: Mapped[int] = mapped_column(default=0)
    byte_size: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[Timestamp]
    last_updated: Mapped[datetime | None]
    next_refresh_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[FreeText]

    resource: Mapped[Resource] = relationship(lazy="joined")

    @property
    def code(self) -> str:
        return self.resource.code


class Snapshot(Base):
    """One pull of a dataset's rows from its source connector."""

    __tablename__ = "opendata_snapshots"

    id: Mapped[IntPk]
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("opendata_datasets.id", ondelete="CASCADE"), index=True
    )
    generation: Mapped[int]
    status: Mapped[SnapshotStatus] = mapped_column(str_enum(SnapshotStatus))
    row_count: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[Timestamp]
    finished_at: Mapped[datetime | None]
    error: Mapped[FreeText]
    triggered_by: Mapped[str] = mapped_column(String(120), default="")


class OpenDataApplication(Base):
    """A person's or company's application for a conditionally open dataset."""

    __tablename__ = "opendata_applications"

    id: Mapped[IntPk]
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    department_id: Mapped[DepartmentId]
    # Who applied: never shown in the public list.
    applicant_kind: Mapped[str] = mapped_column(String(10))  # person | entity
    applicant_id: Mapped[int] = mapped_column(index=True)
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text)
    fields: Mapped[JsonList]
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery), default=Delivery.LINK)
    status: Mapped[ApplicationStatus] = mapped_column(str_enum(ApplicationStatus), index=True)
    submitted_at: Mapped[Timestamp]
    due_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[FreeText]
    # The delivered secret, hashed; shown to the applicant once.
    token_prefix: Mapped[str | None] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), default="")
    # Sealed under the master key, so the applicant can read it again on their page.
    token_sealed: Mapped[FreeText]
    token_expires_at: Mapped[datetime | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    resource: Mapped[Resource] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")

    @property
    def dataset_code(self) -> str:
        return self.resource.code


# The CKAN write API's tables, so that every importer of the domain's models sees them.
from onceonly.opendata.ckan import models as ckan_models  # noqa: E402, F401
