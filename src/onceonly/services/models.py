"""One-stop service catalog: service items with their guide, materials, life-event bundles.

A service item (政务服务事项) follows GB/T 39554.1: a basic code shared by every region
that implements the same item, and an implementation code that adds the region and the
department. A province publishes the item once as a template; a city's item points at
it with `template_id` and may differ (shorter promised time, fewer trips), which the
service layer shows.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.core.db import Base, utcnow
from onceonly.identity.models import Department


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])


class ItemKind(enum.StrEnum):
    """The item types of the national catalog (行政权力 and 公共服务 kinds)."""

    LICENSING = "licensing"  # 行政许可
    CONFIRMATION = "confirmation"  # 行政确认
    PAYMENT = "payment"  # 行政给付
    REGISTRATION = "registration"  # 登记备案 (other administrative power)
    PUBLIC_SERVICE = "public_service"  # 公共服务


class SubjectKind(enum.StrEnum):
    PERSON = "person"
    ENTITY = "entity"


class SourceKind(enum.StrEnum):
    """Where a material comes from: the first two are fetched, the last two asked for."""

    LICENCE = "licence"  # an e-licence from the library, by type
    EXCHANGE = "exchange"  # fields of an exchange resource
    FORM = "form"  # filled online by the applicant
    UPLOAD = "upload"  # a scan or photo the applicant uploads


FETCHED_SOURCES = (SourceKind.LICENCE, SourceKind.EXCHANGE)


class ServiceItem(Base):
    __tablename__ = "service_items"
    __table_args__ = (
        Index("ix_service_items_department_id_active", "department_id", "active"),
        Index("ix_service_items_basic_code", "basic_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Implementation code: basic code + region + department, unique on the platform.
    code: Mapped[str] = mapped_column(String(60), unique=True)
    # The basic code (基本编码) shared by every implementation of the same item.
    basic_code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind))
    subject: Mapped[SubjectKind] = mapped_column(_enum(SubjectKind), default=SubjectKind.PERSON)
    # The guide elements (办事指南要素); an empty text is a missing element.
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    fees: Mapped[str] = mapped_column(Text, default="")
    statutory_days: Mapped[int | None]  # 法定办结时限, working days
    promised_days: Mapped[int | None]  # 承诺办结时限, working days
    # Online depth 1-4 (1 information, 2 download forms, 3 apply online, 4 fully online).
    online_depth: Mapped[int] = mapped_column(default=1)
    max_trips: Mapped[int | None]  # 最多跑几次; 0 means never in person
    places: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # 全省通办: may be submitted anywhere in the province and is routed to the home region.
    cross_region: Mapped[bool] = mapped_column(default=False)
    # The e-licence type an approval issues (e.g. a birth certificate), or "".
    result_licence: Mapped[str] = mapped_column(String(60), default="")
    # Words people search with besides the name, space-separated (plain text so that
    # a LIKE search finds Chinese words on both backends; JSON would escape them).
    keywords: Mapped[str] = mapped_column(String(300), default="")
    template_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    materials: Mapped[list[ServiceMaterial]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceMaterial.position", lazy="selectin"
    )


class ServiceMaterial(Base):
    """A material (申请材料) of an item and what can supply it instead of the applicant."""

    __tablename__ = "service_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # Shared by the items of a bundle that need the same thing: asked for once.
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=True)
    # None: nobody has said where it comes from yet (a completeness gap).
    source_kind: Mapped[SourceKind | None] = mapped_column(_enum(SourceKind))
    licence_type: Mapped[str] = mapped_column(String(60), default="")
    resource_code: Mapped[str] = mapped_column(String(60), default="")
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")


class LifeEvent(Base):
    """A bundle of items done together (一件事), e.g. having a baby."""

    __tablename__ = "service_bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[SubjectKind] = mapped_column(_enum(SubjectKind), default=SubjectKind.PERSON)
    promised_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[LifeEventItem]] = relationship(
        cascade="all, delete-orphan", order_by="LifeEventItem.position", lazy="selectin"
    )


class LifeEventItem(Base):
    __tablename__ = "service_bundle_items"
    __table_args__ = (UniqueConstraint("bundle_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("service_bundles.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    position: Mapped[int] = mapped_column(default=0)

    item: Mapped[ServiceItem] = relationship(lazy="joined")
