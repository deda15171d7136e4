"""Payment pages: the applicant's payment step, the return from the payment service,
and the demo payment service's cashier (which a real service hosts itself)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from onceonly.core.deps import CurrentCitizen, DbSession, get_db
from onceonly.core.errors import Problem
from onceonly.core.settings import public_base_url
from onceonly.services.applications import applications
from onceonly.services.models import Application
from onceonly.services.payments import demo_provider, service
from onceonly.services.payments.connector import DEFAULT_PROVIDER, connector_for
from onceonly.web.templating import problem_text, redirect, refuse, render

# Mounted by services/pages.py, whose router checks the CSRF token of every unsafe request.
router = APIRouter(include_in_schema=False)
PAYMENT_LABELS = {
    "pending": "Waiting for the payment service to confirm",
    "paid": "Paid",
    "failed": "Payment failed",
}


def bill_context(session: Session, application: Application) -> dict[str, Any]:
    """What the application page shows of fees and their payment."""
    return {
        "bill": service.bill_of(session, application),
        "payment_labels": PAYMENT_LABELS,
        "yuan": service.yuan,
    }


@router.post("/portal/applications/{ref}/pay")
def pay(request: Request, session: DbSession, citizen: CurrentCitizen, ref: str) -> Response:
    """Open the order and send the payer to the payment service's page."""
    application = applications.citizens_application(session, citizen, ref)
    settings = request.app.state.settings
    try:
        payment = service.start_payment(
            session, application, connector_for(DEFAULT_PROVIDER, settings), citizen.actor, settings
        )
    except Problem as problem:
        return refuse(request, session, f"/portal/applications/{ref}#fees", problem_text(problem))
    return RedirectResponse(payment.pay_url, status_code=303)


@router.get("/portal/payments/{order_no}")
def returned(
    request: Request, session: DbSession, citizen: CurrentCitizen, order_no: str
) -> Response:
    """Back from the payment service: to the application, whose page shows the state."""
    payment = service.payment_by_order(session, order_no)
    application = applications.citizens_application(session, citizen, payment.application.ref)
    return redirect(f"/portal/applications/{application.ref}#fees")


@router.get("/demo-pay/{provider_ref}")
def cashier(request: Request, session: DbSession, provider_ref: str) -> Response:
    order = demo_provider.order_at_cashier(session, provider_ref)
    context = {"order": order, "yuan": service.yuan}
    return render(request, "payments/cashier.html", context)


@router.post("/demo-pay/{provider_ref}")
def cashier_decide(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    provider_ref: str,
    outcome: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The payer pays (or the card is declined); the platform hears of it later, by the
    signed callback sent once this answer has gone out."""
    order = demo_provider.decide(session, provider_ref, pay=outcome == "pay")
    settings = request.app.state.settings
    background.add_task(demo_provider.deliver_callbacks, get_db(request), settings)
    back = f"{public_base_url(settings)}/portal/payments/{order.merchant_order}"
    context = {"order": order, "yuan": service.yuan, "back": back}
    return render(request, "payments/cashier.html", context)
