"""Disputes (数据纠错) as JSON under /api/v1/services: the applicant opens one on a
fetched material of their application; the holding department lists and answers them;
supervisors read the figures. JSON bodies (no CSRF token needed); problem+json errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from onceonly.core.deps import CurrentCitizen, DbSession
from onceonly.core.pagination import Page, PageParams, fetch_page, page_params
from onceonly.core.params import Id
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Role, User
from onceonly.services.applications import applications
from onceonly.services.disputes import service
from onceonly.services.disputes.figures import dispute_figures
from onceonly.services.disputes.models import DisputeStatus
from onceonly.services.disputes.schemas import (
    AnswerIn,
    DisputeFiguresOut,
    DisputeIn,
    DisputeOut,
)

# Included by services/api.py under /api/v1/services.
router = APIRouter(tags=["services: data correction"])
Answerer = Annotated[User, Depends(staff_with(*service.ANSWER_ROLES))]
Paging = Annotated[PageParams, Depends(page_params(default=50, most=200))]
Supervisor = Annotated[
    User, Depends(staff_with(Role.platform_admin, Role.auditor, Role.department_admin))
]


@router.post("/applications/{ref}/disputes", status_code=201, response_model=DisputeOut)
def open_dispute(
    ref: str, body: DisputeIn, session: DbSession, citizen: CurrentCitizen
) -> DisputeOut:
    applicant = applications.applicant_of(session, citizen)
    application = applications.own_application(session, ref, applicant)
    dispute = service.open_dispute(
        session, application, body.material_key, body.claim, applicant, body.field
    )
    return DisputeOut.model_validate(dispute)


@router.get("/applications/{ref}/disputes", response_model=list[DisputeOut])
def application_disputes(ref: str, session: DbSession, citizen: CurrentCitizen) -> list[DisputeOut]:
    application = applications.citizens_application(session, citizen, ref)
    return [DisputeOut.model_validate(d) for d in service.of(session, application)]


@router.get("/disputes", response_model=Page[DisputeOut])
def department_disputes(
    request: Request,
    session: DbSession,
    user: Answerer,
    paging: Paging,
    status: Annotated[DisputeStatus | None, Query()] = None,
) -> Page[DisputeOut]:
    """Disputes of the data your department holds, the soonest due first, a page at a time."""
    rows, total = fetch_page(session, service.department_query(session, user, status), paging)
    return Page[DisputeOut].of([DisputeOut.model_validate(d) for d in rows], total, paging, request)


@router.post("/disputes/{dispute_id}/answer", response_model=DisputeOut)
def answer(
    dispute_id: Id, body: AnswerIn, request: Request, session: DbSession, user: Answerer
) -> DisputeOut:
    dispute = service.dispute_for(session, user, dispute_id)
    service.answer(session, user, dispute, corrected=body.corrected, note=body.note,
                   corrections=body.corrections, settings=request.app.state.settings)  # fmt: skip
    return DisputeOut.model_validate(dispute)


@router.get("/dispute-figures", response_model=list[DisputeFiguresOut])
def figures(session: DbSession, user: Supervisor) -> list[DisputeFiguresOut]:
    return [
        DisputeFiguresOut(
            department=row.department.code,
            department_name=row.department.name,
            open=row.open,
            answered=row.answered,
            corrected=row.corrected,
            overdue=row.overdue,
            median_answer_days=row.median_answer_days,
        )
        for row in dispute_figures(session)
    ]
