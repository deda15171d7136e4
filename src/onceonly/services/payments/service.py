"""Fees and their payment: what an application owes, the order with the payment
service, the signed callback that settles it, and the rule that an unpaid fee stops
the decision."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.core.settings import Settings, public_base_url
from onceonly.services.applications import applications
from onceonly.services.applications.applications import add_event
from onceonly.services.casework import notify
from onceonly.services.models import (
    Application,
    ApplicationCase,
    ApplicationStatus,
    CaseStatus,
    ServiceItem,
)
from onceonly.services.payments.connector import CallbackEvent, PaymentConnector
from onceonly.services.payments.models import Fee, Payment, PaymentCallback, PaymentStatus

UNBILLED = (CaseStatus.WITHDRAWN, CaseStatus.REJECTED)  # nothing is charged for these


def yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def fee_for(session: Session, item: ServiceItem) -> Fee | None:
    """The item's fee, or its province template's (a city implements it)."""
    for item_id in (item.id, item.template_id):
        if item_id is not None:
            fee = session.scalar(select(Fee).where(Fee.item_id == item_id))
            if fee is not None:
                return fee
    return None


@dataclass
class Bill:
    lines: list[tuple[ApplicationCase, Fee]]
    payment: Payment | None  # the latest order, if any

    @property
    def due_cents(self) -> int:
        return sum(fee.amount_cents for _case, fee in self.lines)

    @property
    def paid(self) -> bool:
        return self.payment is not None and self.payment.status is PaymentStatus.PAID


def bill_of(session: Session, application: Application) -> Bill:
    lines = []
    for case in application.cases:
        fee = fee_for(session, case.item)
        if fee is not None and case.status not in UNBILLED:
            lines.append((case, fee))
    latest = session.scalar(
        select(Payment)
        .where(Payment.application_id == application.id)
        .order_by(Payment.id.desc())
        .limit(1)
    )
    return Bill(lines, latest)


def fee_unpaid(session: Session, case: ApplicationCase) -> Fee | None:
    """The case's fee if its application has not paid it."""
    fee = fee_for(session, case.item)
    if fee is None:
        return None
    application = applications.by_id(session, case.application_id)
    return None if bill_of(session, application).paid else fee


def require_paid(session: Session, case: ApplicationCase) -> None:
    """Refuse to decide a case whose fee is not paid (409 fee-unpaid)."""
    if fee_unpaid(session, case) is not None:
        raise Conflict(
            "the fee for this service is not paid yet: it cannot be approved", code="fee-unpaid"
        )


def start_payment(
    session: Session,
    application: Application,
    connector: PaymentConnector,
    actor: Actor,
    settings: Settings,
) -> Payment:
    """Open an order for what the application owes (or hand back the one under way)."""
    bill = bill_of(session, application)
    if application.status is ApplicationStatus.WITHDRAWN:
        raise Conflict("this application was withdrawn", code="application-withdrawn")
    if not bill.lines:
        raise Invalid("nothing to pay for this application", code="no-fee")
    if bill.paid:
        raise Conflict("the fee is already paid", code="already-paid")
    if bill.payment is not None and bill.payment.status is PaymentStatus.PENDING:
        return bill.payment
    order_no = f"PAY{utcnow():%Y%m%d}{secrets.token_hex(5).upper()}"
    notify_url = f"{public_base_url(settings)}/api/v1/payments/callbacks/{connector.name}"
    opened = connector.open_order(
        session, order_no, bill.due_cents, f"{application.title} {application.ref}", notify_url
    )
    payment = Payment(
        order_no=order_no,
        application_id=application.id,
        amount_cents=bill.due_cents,
        provider=connector.name,
        provider_ref=opened.provider_ref,
        pay_url=opened.pay_url,
    )
    session.add(payment)
    session.flush()
    _record(session, "payments.order", actor, payment, application)
    return payment


def _record(
    session: Session, action: str, actor: Actor, payment: Payment, application: Application
) -> None:
    audit.record(
        session,
        audit.Event(
            action,
            actor,
            "payment_order",
            payment.order_no,
            subject_id_number=application.applicant_code,
            detail={
                "application": application.ref,
                "amount_cents": payment.amount_cents,
                "status": payment.status.value,
            },
        ),
    )


def apply_callback(session: Session, provider: str, event: CallbackEvent) -> Payment:
    """Settle an order from a verified callback. A replayed event is refused (409); the
    same outcome told twice (a retried delivery) changes nothing."""
    try:
        with session.begin_nested():
            session.add(
                PaymentCallback(
                    provider=provider,
                    event_id=event.event_id,
                    order_no=event.order_no,
                    outcome=event.status[:20],
                )
            )
            session.flush()
    except IntegrityError:
        raise Conflict("this callback was already received", code="replayed-callback") from None
    payment = session.scalar(
        select(Payment).where(Payment.order_no == event.order_no, Payment.provider == provider)
    )
    if payment is None or payment.provider_ref != event.provider_ref:
        raise NotFound(f"no order {event.order_no}", code="unknown-order")
    if event.amount_cents != payment.amount_cents:
        raise Conflict("the amount paid differs from the order", code="amount-mismatch")
    if event.status not in ("paid", "failed"):
        raise Invalid(f"unknown payment outcome {event.status!r}", code="bad-callback")
    if payment.status is PaymentStatus.PENDING:
        _settle(session, payment, event)
    return payment


def _settle(session: Session, payment: Payment, event: CallbackEvent) -> None:
    application = payment.application
    actor = Actor("client", f"payments:{payment.provider}", f"payment service {payment.provider}")
    if event.status == "paid":
        payment.status, payment.paid_at = PaymentStatus.PAID, utcnow()
        add_event(session, application, "Fee paid", actor.label, f"¥{yuan(payment.amount_cents)}")
        notify.to_applicant(
            session,
            application,
            f"缴费成功：{application.title}",
            f"您的申请 {application.ref} 已缴费 {yuan(payment.amount_cents)} 元"
            f"（订单 {payment.order_no}）。",
        )
    else:
        payment.status, payment.failure = PaymentStatus.FAILED, event.reason or "failed"
        add_event(session, application, "Payment failed", actor.label, payment.failure)
    _record(session, "payments.callback", actor, payment, application)


def payment_by_order(session: Session, order_no: str) -> Payment:
    payment = session.scalar(select(Payment).where(Payment.order_no == order_no[:32]))
    if payment is None:
        raise NotFound(f"no order {order_no}", code="unknown-order")
    return payment
