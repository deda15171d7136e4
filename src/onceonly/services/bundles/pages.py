"""Withdrawing one item of a submitted bundle, from the application page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import Response

from onceonly.core.deps import CurrentCitizen, DbSession
from onceonly.core.errors import Problem
from onceonly.core.params import Id
from onceonly.services.applications import applications
from onceonly.services.bundles import service
from onceonly.services.casework import notify
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import attempt

# Mounted by services/pages.py, whose router checks the CSRF token of every unsafe request.
router = APIRouter(include_in_schema=False)


def refused(problem: Problem) -> str:
    said = {
        "needed-by-others": _("The other services of this application need what this one "
                              "issues: withdraw the whole application instead."),
        "nothing-to-withdraw": _("This service is already decided or withdrawn."),
        "not-submitted": _("Only a service of a submitted application is withdrawn alone."),
    }  # fmt: skip
    return said.get(problem.code, _(problem.detail))


@router.post("/portal/applications/{ref}/cases/{case_id}/withdraw")
def withdraw_case(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    citizen: CurrentCitizen,
    ref: str,
    case_id: Id,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    application = applications.citizens_application(session, citizen, ref)

    def withdraw() -> None:
        service.withdraw_case(session, application, case_id, reason)
        notify.deliver_later(request, background)

    back = f"/portal/applications/{ref}"
    done = _("Withdrawn. The other services carry on.")
    return attempt(request, session, withdraw, back, done, refused)
