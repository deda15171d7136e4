"""The payment connector: what the platform needs of any payment service.

A real service (a bank's or a provincial unified payment platform's) gets a class of its
own with the same three methods; `demo_provider.DemoProvider` is the one the demo and
the tests use. The session is handed over only because the demo keeps its books in our
database; a real connector talks HTTP and ignores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from onceonly.core.errors import NotFound
from onceonly.core.settings import Settings


@dataclass(frozen=True)
class Opened:
    provider_ref: str
    pay_url: str  # where the payer is sent to pay


@dataclass(frozen=True)
class CallbackEvent:
    event_id: str
    order_no: str
    provider_ref: str
    status: str  # "paid" or "failed"
    amount_cents: int
    reason: str = ""


@dataclass(frozen=True)
class StatementLine:
    order_no: str
    provider_ref: str
    amount_cents: int
    status: str  # "created", "paid", "failed"


class PaymentConnector(Protocol):
    name: str

    def open_order(
        self, session: Session, order_no: str, amount_cents: int, subject: str, notify_url: str
    ) -> Opened: ...

    def parse_callback(
        self, headers: Mapping[str, str], body: bytes, now: float
    ) -> CallbackEvent: ...

    def statement(self, session: Session, day: date) -> list[StatementLine]: ...


def connector_for(name: str, settings: Settings) -> PaymentConnector:
    from onceonly.services.payments.demo_provider import DemoProvider

    known: dict[str, PaymentConnector] = {"demo": DemoProvider(settings)}
    if name not in known:
        raise NotFound(f"no payment service {name!r}", code="unknown-provider")
    return known[name]


DEFAULT_PROVIDER = "demo"
