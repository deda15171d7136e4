"""The trips that remain: appointments for items that still need a visit, and results
posted home instead of collected.

Which items need a visit is said here (`VisitSetting`), not on the item, so that an item
is given an office, a slot length and a capacity in one place. Slots are cut per
setting; a slot's `booked` count is raised by a conditional UPDATE and bounded by a
CHECK constraint, so capacity holds across app processes without any lock in memory.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.core.db import Base, DepartmentId, FreeText, IntPk, Name, NameEn, Timestamp, str_enum
from onceonly.identity.models import Department
from onceonly.services.models import Application, ApplicationCase, ServiceItem


class VisitOffice(Base):
    """A service hall window (办事窗口) where visits happen."""

    __tablename__ = "visit_offices"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[Name]
    name_en: Mapped[NameEn]
    address: Mapped[str] = mapped_column(String(300), default="")
    department_id: Mapped[DepartmentId]

    department: Mapped[Department] = relationship(lazy="joined")


class VisitSetting(Base):
    """An item that still needs one visit: where, why, and how its slots are cut."""

    __tablename__ = "visit_settings"
    __table_args__ = (
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_length"),
        CheckConstraint("capacity BETWEEN 1 AND 100", name="capacity_range"),
    )

    id: Mapped[IntPk]
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("visit_offices.id"), index=True)
    # What the visit is for, shown to the applicant (e.g. taking fingerprints).
    reason: Mapped[str] = mapped_column(String(200), default="")
    slot_minutes: Mapped[int] = mapped_column(default=30)
    capacity: Mapped[int] = mapped_column(default=4)  # people per slot

    item: Mapped[ServiceItem] = relationship(lazy="joined")
    office: Mapped[VisitOffice] = relationship(lazy="joined")


class VisitSlot(Base):
    __tablename__ = "visit_slots"
    __table_args__ = (
        UniqueConstraint("setting_id", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )

    id: Mapped[IntPk]
    setting_id: Mapped[int] = mapped_column(ForeignKey("visit_settings.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)

    setting: Mapped[VisitSetting] = relationship(lazy="joined")


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Appointment(Base):
    """A booked visit for one case of an application."""

    __tablename__ = "visit_appointments"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(12), unique=True)  # shown at the window
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_cases.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("visit_slots.id"), index=True)
    status: Mapped[AppointmentStatus] = mapped_column(
        str_enum(AppointmentStatus), default=AppointmentStatus.BOOKED
    )
    # "case:<id>" while booked, NULL once cancelled: unique, so a case holds at most one
    # booked appointment even when two requests race (NULLs never collide).
    active_key: Mapped[str | None] = mapped_column(String(30), unique=True)
    created_at: Mapped[Timestamp]
    cancelled_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]

    slot: Mapped[VisitSlot] = relationship(lazy="joined")
    case: Mapped[ApplicationCase] = relationship(lazy="joined")
    application: Mapped[Application] = relationship(lazy="joined")


class PostingState(enum.StrEnum):
    REQUESTED = "requested"  # the applicant asked; the department has not posted yet
    POSTED = "posted"  # handed to the carrier, with a tracking number
    DELIVERED = "delivered"


class Posting(Base):
    """A paper result posted to the applicant instead of collected (邮寄送达)."""

    __tablename__ = "visit_postings"

    id: Mapped[IntPk]
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), unique=True)
    recipient: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    # Where the address came from (an exchange resource code), shown to the applicant.
    address_source: Mapped[str] = mapped_column(String(60), default="")
    state: Mapped[PostingState] = mapped_column(
        str_enum(PostingState), default=PostingState.REQUESTED
    )
    carrier: Mapped[str] = mapped_column(String(60), default="")
    tracking_no: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[FreeText]
    requested_at: Mapped[Timestamp]
    posted_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(lazy="joined")
