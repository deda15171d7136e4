"""Tables of the CKAN write API: per-user API tokens, and the packages, resources and
DataStore rows that departments publish through CKAN clients (ckanapi, harvesters).

Packages written here sit beside the catalog's published datasets; the read actions show
both. Ids are UUID strings, as CKAN's are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.core.db import Base, DepartmentId, FreeText, IntPk, JsonList, Name, Timestamp
from onceonly.identity.models import Department, User


class ApiToken(Base):
    """A staff user's CKAN API token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "ckan_api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[Name]
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    last_access: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class HarvestSource(Base):
    """Another portal's catalog (DCAT or CKAN API) imported by `onceonly opendata harvest`."""

    __tablename__ = "ckan_harvest_sources"

    id: Mapped[IntPk]
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # dcat | ckan
    department_id: Mapped[DepartmentId]
    created_at: Mapped[Timestamp]
    last_run_at: Mapped[datetime | None]
    last_count: Mapped[int] = mapped_column(default=0)


class CkanPackage(Base):
    """A dataset published through the CKAN Action API by a department, or harvested
    from another portal (then `harvest_guid` is its id there, so a re-run updates it)."""

    __tablename__ = "ckan_packages"
    __table_args__ = (UniqueConstraint("harvest_source_id", "harvest_guid"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[FreeText]
    department_id: Mapped[DepartmentId]
    license_id: Mapped[str] = mapped_column(String(60), default="")
    # The other CKAN fields (author, maintainer, url, version, tags, groups, extras).
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[Timestamp]
    modified_at: Mapped[Timestamp]
    created_by: Mapped[str] = mapped_column(String(120), default="")
    harvest_source_id: Mapped[int | None] = mapped_column(
        ForeignKey("ckan_harvest_sources.id", ondelete="CASCADE"), index=True
    )
    harvest_guid: Mapped[str | None] = mapped_column(String(500))

    department: Mapped[Department] = relationship(lazy="joined")
    resources: Mapped[list[CkanResource]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="CkanResource.position",
        back_populates="package",
    )


class CkanResource(Base):
    """A resource of a written package: a link, or a file uploaded with it."""

    __tablename__ = "ckan_resources"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    package_id: Mapped[str] = mapped_column(
        ForeignKey("ckan_packages.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[FreeText]
    format: Mapped[str] = mapped_column(String(40), default="")
    # Other fields (description, mimetype, …) as the client sent them.
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    upload_name: Mapped[str] = mapped_column(String(200), default="")  # "" = a link
    size: Mapped[int | None]
    hash: Mapped[str] = mapped_column(String(80), default="")
    datastore_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    datastore_key: Mapped[JsonList]
    datastore_active: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[Timestamp]
    modified_at: Mapped[Timestamp]

    package: Mapped[CkanPackage] = relationship(back_populates="resources")


class DatastoreRow(Base):
    """One DataStore record of a written resource; `key` is its primary key's values as
    JSON (NULL when the table has no primary key), so upserts find it."""

    __tablename__ = "ckan_datastore_rows"
    __table_args__ = (UniqueConstraint("resource_id", "key"),)

    id: Mapped[IntPk]
    resource_id: Mapped[str] = mapped_column(
        ForeignKey("ckan_resources.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str | None] = mapped_column(String(500))
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
