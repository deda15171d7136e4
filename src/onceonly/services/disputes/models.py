"""A dispute about one fetched material of an application, owned by the department that
holds the data (the exchange resource's department, or the licence's issuer)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.core.db import Base, FreeText, IntPk, Timestamp, str_enum
from onceonly.identity.models import Department


class DisputeStatus(enum.StrEnum):
    OPEN = "open"  # with the department, the deadline running
    CORRECTED = "corrected"  # the department corrected the value
    REFUSED = "refused"  # the department says the value is right, with a reason


class Dispute(Base):
    __tablename__ = "data_disputes"
    __table_args__ = (Index("ix_data_disputes_department_status", "department_id", "status"),)

    id: Mapped[IntPk]
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), index=True)
    material_key: Mapped[str] = mapped_column(String(60))
    material_name: Mapped[str] = mapped_column(String(200))
    # Where the value came from: an exchange resource code or a licence serial.
    source: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    field: Mapped[str] = mapped_column(String(60), default="")  # the field said wrong, if one
    claim: Mapped[str] = mapped_column(Text)  # what the citizen says is wrong
    status: Mapped[DisputeStatus] = mapped_column(
        str_enum(DisputeStatus),
        default=DisputeStatus.OPEN,
    )
    opened_at: Mapped[Timestamp]
    due_at: Mapped[datetime]  # working days from opening (core.calendar)
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[FreeText]  # the correction note or the reason
    # The corrected values the department recorded (field → value), when it corrected.
    corrections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    department: Mapped[Department] = relationship(lazy="joined")
