"""The demo payment service. It behaves as a real one does:

- an order is opened and the payer is sent to its cashier page (`/demo-pay/<ref>`);
- the payer pays or is declined there (a declined card is how it fails);
- the outcome reaches the platform later, as a signed HTTP callback to the notify URL,
  sent after the payer's request is answered and retried (by the `payments.callbacks`
  job) until the platform answers 2xx;
- it gives a statement of a day's orders for reconciliation.

Its books (`DemoProviderOrder`) are in the platform's database only so that the demo
needs no other service; the platform reads them only through this class.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.calendar import CHINA_TZ
from onceonly.core.crypto import derive_key
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.core.settings import Settings, public_base_url
from onceonly.services.payments import signing
from onceonly.services.payments.connector import CallbackEvent, Opened, StatementLine
from onceonly.services.payments.models import DemoProviderOrder

MAX_ATTEMPTS = 20


def demo_secret(settings: Settings) -> bytes:
    """The secret the demo service and the platform share (derived, never stored)."""
    return derive_key(settings.master_key_bytes(), "payments:demo-provider")


@dataclass
class DemoProvider:
    settings: Settings
    name: str = "demo"

    def open_order(
        self, session: Session, order_no: str, amount_cents: int, subject: str, notify_url: str
    ) -> Opened:
        ref = "DP" + secrets.token_urlsafe(12)
        session.add(
            DemoProviderOrder(
                provider_ref=ref,
                merchant_order=order_no,
                amount_cents=amount_cents,
                subject=subject[:200],
                notify_url=notify_url,
            )
        )
        return Opened(ref, f"{public_base_url(self.settings)}/demo-pay/{ref}")

    def parse_callback(self, headers: Mapping[str, str], body: bytes, now: float) -> CallbackEvent:
        event_id = signing.verify(demo_secret(self.settings), headers, body, now)
        try:
            data = json.loads(body)
            return CallbackEvent(
                event_id=event_id,
                order_no=str(data["order_no"])[:32],
                provider_ref=str(data["provider_ref"])[:64],
                status=str(data["status"]),
                amount_cents=int(data["amount_cents"]),
                reason=str(data.get("reason", ""))[:200],
            )
        except (ValueError, KeyError, TypeError):
            raise Invalid(
                "the callback's body is not a payment event", code="bad-callback"
            ) from None

    def statement(self, session: Session, day: date) -> list[StatementLine]:
        start = datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ)
        rows = session.scalars(
            select(DemoProviderOrder).where(
                DemoProviderOrder.created_at >= start,
                DemoProviderOrder.created_at < start + timedelta(days=1),
            )
        )
        return [
            StatementLine(r.merchant_order, r.provider_ref, r.amount_cents, r.status) for r in rows
        ]


# The payer's side and the callbacks --------------------------------------------------


def order_at_cashier(session: Session, provider_ref: str) -> DemoProviderOrder:
    order = session.scalar(
        select(DemoProviderOrder).where(DemoProviderOrder.provider_ref == provider_ref[:64])
    )
    if order is None:
        raise NotFound("no such payment order", code="unknown-order")
    return order


def decide(session: Session, provider_ref: str, pay: bool) -> DemoProviderOrder:
    """The payer pays, or the card is declined (how the demo service fails)."""
    order = order_at_cashier(session, provider_ref)
    if order.status != "created":
        raise Conflict("this order was already paid or declined", code="order-decided")
    order.status = "paid" if pay else "failed"
    order.reason = "" if pay else "card declined"
    order.decided_at = utcnow()
    return order


def callback_of(
    order: DemoProviderOrder, secret: bytes, now: float
) -> tuple[dict[str, str], bytes]:
    """A fresh event (its own id) for every delivery attempt, signed."""
    body = json.dumps(
        {
            "order_no": order.merchant_order,
            "provider_ref": order.provider_ref,
            "status": order.status,
            "amount_cents": order.amount_cents,
            "reason": order.reason,
        },
        separators=(",", ":"),
    ).encode()
    return signing.signed_headers(secret, "evt_" + secrets.token_hex(12), body, now), body


def deliver_callbacks(db: Database, settings: Settings, client: httpx.Client | None = None) -> int:
    """Post every decided, not yet acknowledged outcome to its notify URL. No database
    transaction is open while a callback is in flight (the platform writes in its own)."""
    with db.session() as session:
        waiting = session.scalars(
            select(DemoProviderOrder).where(
                DemoProviderOrder.status != "created",
                DemoProviderOrder.notified_at.is_(None),
                DemoProviderOrder.notify_attempts < MAX_ATTEMPTS,
            )
        ).all()
        session.expunge_all()
    secret = demo_secret(settings)
    http = client or httpx.Client(timeout=10)
    delivered = 0
    try:
        for order in waiting:
            headers, body = callback_of(order, secret, time.time())
            try:
                ok = http.post(order.notify_url, content=body, headers=headers).is_success
            except httpx.HTTPError:
                ok = False
            with db.session() as session:
                row = session.get(DemoProviderOrder, order.id)
                assert row is not None
                row.notify_attempts += 1
                if ok:
                    row.notified_at = utcnow()
                    delivered += 1
    finally:
        if client is None:
            http.close()
    return delivered
