"""Withdrawing one item of a submitted bundle, as JSON under /api/v1/services."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from onceonly.core.deps import CurrentCitizen, DbSession
from onceonly.core.params import Id
from onceonly.services.applications import applications
from onceonly.services.bundles import service

# Included by services/api.py under /api/v1/services.
router = APIRouter(tags=["services: applications"])


class WithdrawCaseIn(BaseModel):
    reason: str = Field(default="", max_length=2000)


class CaseStateOut(BaseModel):
    id: int
    item: str
    status: str


class WithdrawnCaseOut(BaseModel):
    ref: str
    status: str  # the application's
    cases: list[CaseStateOut]


@router.post("/applications/{ref}/cases/{case_id}/withdraw", response_model=WithdrawnCaseOut)
def withdraw_case(
    ref: str, case_id: Id, body: WithdrawCaseIn, session: DbSession, citizen: CurrentCitizen
) -> WithdrawnCaseOut:
    application = applications.citizens_application(session, citizen, ref)
    service.withdraw_case(session, application, case_id, body.reason)
    return WithdrawnCaseOut(
        ref=application.ref,
        status=application.status.value,
        cases=[
            CaseStateOut(id=c.id, item=c.item.code, status=c.status.value)
            for c in application.cases
        ],
    )
