"""Data correction pages: the applicant disputes a fetched value from the application
page; the holding department's workbench lists disputes and answers them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onceonly.core.db import utcnow
from onceonly.core.deps import CurrentCitizen, DbSession
from onceonly.core.errors import Problem
from onceonly.core.params import Id
from onceonly.identity.deps import staff_with
from onceonly.identity.models import User
from onceonly.services.applications import applications, evidence
from onceonly.services.disputes import service
from onceonly.services.disputes.models import DisputeStatus
from onceonly.services.models import Application, MaterialState
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import attempt, render

# Mounted by services/pages.py, whose router checks the CSRF token of every unsafe request.
router = APIRouter(include_in_schema=False)
Answerer = Annotated[User, Depends(staff_with(*service.ANSWER_ROLES))]
nav.register("workbench", "Data disputes", "/workbench/disputes", roles=service.ANSWER_ROLES,
             order=21)  # fmt: skip
CORRECTION_PREFIX = "c_"  # the answer form's corrected value of field <name>


def status_labels() -> dict[str, str]:
    return {
        "open": _("Waiting for the department"),
        "corrected": _("Corrected at the source"),
        "refused": _("Not corrected"),
    }


def refused(problem: Problem) -> str:
    """A refusal in the reader's language (the service's details name the material)."""
    said = {
        "not-fetched": _("Only data fetched from a department can be disputed; change what "
                         "you gave yourself in the application."),
        "dispute-open": _("This material is already disputed: wait for the department's "
                          "answer."),
        "empty-claim": _("Say what is wrong."),
        "dispute-answered": _("This dispute was already answered."),
        "no-correction": _("Give the corrected value of at least one field."),
        "reason-required": _("Give the reason."),
        "not-disputable": _("This material came from another province's platform: ask "
                            "there to correct it."),
    }  # fmt: skip
    return said.get(problem.code, _(problem.detail))


def context(session: Session, application: Application) -> dict[str, Any]:
    """What the application page shows of disputes: the form and their answers."""
    disputes = service.of(session, application)
    waiting = {d.material_key for d in disputes if d.status is DisputeStatus.OPEN}
    fetched = [
        m for m in application.materials
        if m.state is MaterialState.FETCHED and m.key not in waiting
    ]  # fmt: skip
    return {
        "disputes": disputes,
        "disputable": fetched if application.status.value in ("draft", "submitted") else [],
        "dispute_labels": status_labels(),
    }


@router.post("/portal/applications/{ref}/disputes")
def open_dispute(
    request: Request,
    session: DbSession,
    citizen: CurrentCitizen,
    ref: str,
    material_key: Annotated[str, Form(max_length=60)] = "",
    claim: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    applicant = applications.applicant_of(session, citizen)
    application = applications.own_application(session, ref, applicant)
    back = f"/portal/applications/{ref}#disputes"
    sent = "Sent to the department that holds the data. It answers within %(days)s working days."
    return attempt(
        request,
        session,
        lambda: service.open_dispute(session, application, material_key, claim, applicant),
        back,
        _(sent, days=service.ANSWER_DAYS),
        refused,
    )


@router.get("/workbench/disputes")
def disputes_page(
    request: Request, session: DbSession, user: Answerer, status: str = "open"
) -> Response:
    chosen = DisputeStatus(status) if status in DisputeStatus.__members__.values() else None
    rows = service.for_department(session, user, chosen)
    late = {d.id for d in rows if d.status is DisputeStatus.OPEN and d.due_at < utcnow()}
    context = {"disputes": rows, "status": status, "dispute_labels": status_labels(),
               "late": late}  # fmt: skip
    return render(request, "disputes/list.html", context)


@router.get("/workbench/disputes/{dispute_id}")
def dispute_page(request: Request, session: DbSession, user: Answerer, dispute_id: Id) -> Response:
    dispute = service.dispute_for(session, user, dispute_id)
    application = applications.by_id(session, dispute.application_id)
    material = applications.material(application, dispute.material_key)
    context = {
        "dispute": dispute,
        "application": application,
        "card": evidence.cards(session, application, [material])[0],
        "dispute_labels": status_labels(),
        "prefix": CORRECTION_PREFIX,
    }
    return render(request, "disputes/answer.html", context)


@router.post("/workbench/disputes/{dispute_id}/answer")
async def answer(request: Request, session: DbSession, user: Answerer, dispute_id: Id) -> Response:
    dispute = service.dispute_for(session, user, dispute_id)
    form = await request.form()
    corrections = {
        name[len(CORRECTION_PREFIX) :]: str(value)
        for name, value in form.items()
        if name.startswith(CORRECTION_PREFIX) and str(value).strip()
    }

    def give_answer() -> None:
        service.answer(session, user, dispute, corrected=form.get("verdict") == "corrected",
                       note=str(form.get("note", "")), corrections=corrections,
                       settings=request.app.state.settings)  # fmt: skip

    back = f"/workbench/disputes/{dispute_id}"
    done = _("Answered. The applicant has been told.")
    return attempt(request, session, give_answer, back, done, refused)
