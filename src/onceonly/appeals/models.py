"""12345 appeals: categories (Open311 services), dispatch rules, appeals, their timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from onceonly.core.db import Base, FreeText, IntPk, JsonList, Timestamp

# Internal statuses; Open311 shows the first three as "open", the last two as "closed".
PENDING = "pending"  # at the hotline desk: not yet dispatched, or returned
DISPATCHED = "dispatched"  # sent to a department that has not accepted it yet
ACCEPTED = "accepted"  # the department is handling it
CLOSED = "closed"  # replied to
MERGED = "merged"  # a duplicate, answered with the appeal it was merged into
OPEN_STATUSES = (PENDING, DISPATCHED, ACCEPTED)
CLOSED_STATUSES = (CLOSED, MERGED)


class AppealCategory(Base):
    """What a citizen can report; an Open311 service. `department_kind` routes it."""

    __tablename__ = "appeal_categories"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[FreeText]
    group: Mapped[str] = mapped_column(String(60), default="")
    keywords: Mapped[JsonList]
    department_kind: Mapped[str] = mapped_column(String(40))
    # Handling deadlines in working days, by urgency.
    days_normal: Mapped[int] = mapped_column(default=5)
    days_urgent: Mapped[int] = mapped_column(default=2)
    active: Mapped[bool] = mapped_column(default=True)


class DispatchRule(Base):
    """An explicit route: this category in this region (or anywhere) goes to a department."""

    __tablename__ = "appeal_dispatch_rules"

    id: Mapped[IntPk]
    category_code: Mapped[str] = mapped_column(ForeignKey("appeal_categories.code"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[Timestamp]


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        Index("ix_appeals_requested_at_status", "requested_at", "status"),
        Index("ix_appeals_department_id_status", "department_id", "status"),
        # Open311 `GET requests?status=open|closed` over a date range, newest first.
        Index("ix_appeals_is_open_requested_at", "is_open", "requested_at"),
    )

    id: Mapped[IntPk]
    token: Mapped[str] = mapped_column(String(40), unique=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("appeal_categories.code"))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    channel: Mapped[str] = mapped_column(String(10))  # portal, phone, open311
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None]
    long: Mapped[float | None]
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    media_url: Mapped[str] = mapped_column(String(500), default="")
    # Shown on Open311's public list (text masked). Appeals about a person default to
    # private; the person may choose to publish theirs.
    public: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The reporter: never shown in a public answer.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")

    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    # The Open311 status (open unless closed or merged), kept with `status` by the
    # service so that the busiest public query is one ordered index range.
    is_open: Mapped[bool] = mapped_column(default=True)
    status_notes: Mapped[FreeText]
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))

    requested_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    dispatched_at: Mapped[datetime | None]
    accept_by: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reply: Mapped[FreeText]
    on_time: Mapped[bool | None]
    # Seconds, stored when known so that averages are plain SQL on both backends.
    first_response_seconds: Mapped[int | None]
    handling_seconds: Mapped[int | None]
    rating: Mapped[int | None]
    rated_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(default=0)


class AppealEvent(Base):
    """One step on an appeal's timeline (the audit log holds the same step, chained)."""

    __tablename__ = "appeal_events"

    id: Mapped[IntPk]
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    at: Mapped[Timestamp]
    kind: Mapped[str] = mapped_column(String(20))
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    note: Mapped[FreeText]
    public: Mapped[bool] = mapped_column(default=True)
