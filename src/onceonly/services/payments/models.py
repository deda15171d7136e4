"""Fees of service items and their payment.

`Fee` says what an item costs and on what legal basis. An application's `Payment` is one
order with a payment service (through a `connector`); it is paid only when the
service's signed callback says so. Every verified callback is kept by its event id,
which is unique, so a replayed one is refused. Reconciliation writes what differs
between our orders and the service's statement to `payment_mismatches`.

`DemoProviderOrder` is not ours: it is the demo payment service's own books, kept in
this database only so that the demo needs no other service.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.core.db import Base, FreeText, IntPk, Timestamp, str_enum
from onceonly.services.models import Application, ServiceItem


class Fee(Base):
    __tablename__ = "payment_fees"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive_amount"),)

    id: Mapped[IntPk]
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), unique=True)
    name: Mapped[str] = mapped_column(String(100))  # e.g. 工本费
    amount_cents: Mapped[int]  # in fen (分)
    legal_basis: Mapped[FreeText]

    item: Mapped[ServiceItem] = relationship(lazy="joined")


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"  # ordered; waiting for the payment service to call back
    PAID = "paid"
    FAILED = "failed"  # declined or abandoned: a new order may be made


class Payment(Base):
    __tablename__ = "payment_orders"

    id: Mapped[IntPk]
    order_no: Mapped[str] = mapped_column(String(32), unique=True)  # ours, sent to the service
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), index=True)
    amount_cents: Mapped[int]
    provider: Mapped[str] = mapped_column(String(30))
    provider_ref: Mapped[str] = mapped_column(String(64), default="")  # the service's id
    pay_url: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus), default=PaymentStatus.PENDING
    )
    failure: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[Timestamp]
    paid_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(lazy="joined")


class PaymentCallback(Base):
    """A verified callback, kept so that the same event is never applied twice."""

    __tablename__ = "payment_callbacks"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[IntPk]
    provider: Mapped[str] = mapped_column(String(30))
    event_id: Mapped[str] = mapped_column(String(64))
    order_no: Mapped[str] = mapped_column(String(32), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[Timestamp]


class Mismatch(Base):
    """A difference between our orders and the payment service's statement of a day."""

    __tablename__ = "payment_mismatches"
    __table_args__ = (UniqueConstraint("day", "order_no", "kind"),)

    id: Mapped[IntPk]
    day: Mapped[date]
    order_no: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(30))  # see reconcile.KINDS
    ours: Mapped[str] = mapped_column(String(100), default="")
    theirs: Mapped[str] = mapped_column(String(100), default="")
    found_at: Mapped[Timestamp]


class DemoProviderOrder(Base):
    """The demo payment service's books (a real one keeps these on its side)."""

    __tablename__ = "payment_demo_provider_orders"

    id: Mapped[IntPk]
    provider_ref: Mapped[str] = mapped_column(String(64), unique=True)
    merchant_order: Mapped[str] = mapped_column(String(32), index=True)
    amount_cents: Mapped[int]
    subject: Mapped[str] = mapped_column(String(200), default="")
    notify_url: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="created")  # paid, failed
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[Timestamp]
    decided_at: Mapped[datetime | None]
    # The callback: delivered when our endpoint answered 2xx; retried until then.
    notified_at: Mapped[datetime | None]
    notify_attempts: Mapped[int] = mapped_column(default=0)
