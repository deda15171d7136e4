"""Payments as JSON under /api/v1/payments: the payment service's signed callback (no
session: the signature is the credential) and the applicant's bill."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from onceonly.core.deps import CurrentCitizen, DbSession
from onceonly.services.applications import applications
from onceonly.services.payments import service
from onceonly.services.payments.connector import connector_for
from onceonly.services.payments.schemas import BillOut, CallbackOut, FeeOut

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])


@router.post("/callbacks/{provider}", response_model=CallbackOut)
async def callback(provider: str, request: Request, session: DbSession) -> CallbackOut:
    """A payment service tells the outcome of an order. Refused: a missing, wrong or
    stale signature (401), a replayed event (409), an unknown order (404)."""
    connector = connector_for(provider[:30], request.app.state.settings)
    body = await request.body()  # bounded by the app's body limit
    event = connector.parse_callback(request.headers, body, time.time())
    payment = service.apply_callback(session, connector.name, event)
    return CallbackOut(order_no=payment.order_no, status=payment.status.value)


@router.get("/applications/{ref}", response_model=BillOut)
def bill(ref: str, session: DbSession, citizen: CurrentCitizen) -> BillOut:
    """What the application owes and the state of its payment."""
    application = applications.citizens_application(session, citizen, ref)
    found = service.bill_of(session, application)
    payment = found.payment
    return BillOut(
        fees=[
            FeeOut(
                item=c.item.name,
                name=f.name,
                amount_cents=f.amount_cents,
                legal_basis=f.legal_basis,
            )
            for c, f in found.lines
        ],
        due_cents=found.due_cents,
        paid=found.paid,
        order_no=payment.order_no if payment else None,
        status=payment.status.value if payment else None,
        pay_url=payment.pay_url if payment else None,
        paid_at=payment.paid_at if payment else None,
    )
