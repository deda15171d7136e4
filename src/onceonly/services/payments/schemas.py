"""Fees and payments as JSON."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CallbackOut(BaseModel):
    order_no: str
    status: str


class FeeOut(BaseModel):
    item: str
    name: str
    amount_cents: int
    legal_basis: str


class BillOut(BaseModel):
    fees: list[FeeOut]
    due_cents: int
    paid: bool
    order_no: str | None
    status: str | None
    pay_url: str | None
    paid_at: datetime | None
