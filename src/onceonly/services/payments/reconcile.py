"""Reconciliation (对账): our orders of a day against the payment service's statement.

What differs is written to `payment_mismatches` (the day's earlier findings replaced)
and recorded in the audit log; `onceonly payments reconcile` prints it and the
`payments.reconcile` job runs it each night for the day before.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.calendar import CHINA_TZ
from onceonly.services.payments.connector import PaymentConnector, StatementLine
from onceonly.services.payments.models import Mismatch, Payment, PaymentStatus

RECONCILER = Actor.system("payment reconciliation")
# kind → what it means (for the CLI and the docs)
KINDS = {
    "missing-at-provider": "we have an order the payment service does not know",
    "missing-here": "the payment service has an order we do not know",
    "amount-differs": "the amounts differ",
    "status-differs": "paid on one side only (a callback lost, or a wrong one)",
}


def _ours(session: Session, provider: str, day: date) -> dict[str, Payment]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ)
    rows = session.scalars(
        select(Payment).where(
            Payment.provider == provider,
            Payment.created_at >= start,
            Payment.created_at < start + timedelta(days=1),
        )
    )
    return {p.order_no: p for p in rows}


def _differences(ours: Payment | None, theirs: StatementLine | None) -> list[tuple[str, str, str]]:
    if ours is None:
        assert theirs is not None
        return [("missing-here", "", f"{theirs.status} {theirs.amount_cents}")]
    if theirs is None:
        return [("missing-at-provider", f"{ours.status.value} {ours.amount_cents}", "")]
    found = []
    if ours.amount_cents != theirs.amount_cents:
        found.append(("amount-differs", str(ours.amount_cents), str(theirs.amount_cents)))
    if (ours.status is PaymentStatus.PAID) != (theirs.status == "paid"):
        found.append(("status-differs", ours.status.value, theirs.status))
    return found


def reconcile(session: Session, connector: PaymentConnector, day: date) -> list[Mismatch]:
    ours = _ours(session, connector.name, day)
    theirs = {line.order_no: line for line in connector.statement(session, day)}
    session.execute(delete(Mismatch).where(Mismatch.day == day))
    found = [
        Mismatch(day=day, order_no=order_no, kind=kind, ours=mine[:100], theirs=other[:100])
        for order_no in sorted(ours.keys() | theirs.keys())
        for kind, mine, other in _differences(ours.get(order_no), theirs.get(order_no))
    ]
    session.add_all(found)
    audit.record(
        session,
        audit.Event(
            "payments.reconcile",
            RECONCILER,
            "payment_statement",
            f"{connector.name}:{day.isoformat()}",
            detail={"orders": len(ours), "statement": len(theirs), "mismatches": len(found)},
        ),
    )
    session.flush()
    return found
