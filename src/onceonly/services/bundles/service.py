"""Withdraw one item (case) of a submitted application; the others keep running.

A case whose result another open case of the bundle waits for (a birth certificate the
household registration needs) is not withdrawn alone: the applicant is told which.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.services.applications import applications
from onceonly.services.casework import notify
from onceonly.services.models import (
    OPEN_CASES,
    Application,
    ApplicationCase,
    ApplicationStatus,
    CaseStatus,
    MaterialState,
    ServiceItem,
)


def _case(application: Application, case_id: int) -> ApplicationCase:
    for case in application.cases:
        if case.id == case_id:
            return case
    raise NotFound(f"application {application.ref} has no case {case_id}", code="case-not-found")


def _started_as(session: Session, case: ApplicationCase) -> set[str]:
    """The item codes the bundle's materials may name this case by (as started, and as
    routed to a region's implementation)."""
    codes = {case.item.code}
    if case.item.template_id is not None:
        template = session.get(ServiceItem, case.item.template_id)
        codes.add(template.code if template else "")
    return codes


def _waiting_on(session: Session, application: Application, case: ApplicationCase) -> list[str]:
    """The names of materials other open cases wait for from this case's result."""
    names = _started_as(session, case)
    others_open = any(c.status in OPEN_CASES for c in application.cases if c.id != case.id)
    return [
        m.name
        for m in application.materials
        if others_open and m.state is MaterialState.FROM_BUNDLE and m.origin in names
    ]


def withdraw_case(
    session: Session, application: Application, case_id: int, reason: str
) -> ApplicationCase:
    """The applicant withdraws one undecided item; the rest of the bundle carries on."""
    if application.status is not ApplicationStatus.SUBMITTED:
        raise Conflict(
            f"application {application.ref} is {application.status.value}: only an item of "
            "a submitted application is withdrawn alone",
            code="not-submitted",
        )
    case = _case(application, case_id)
    if case.status not in OPEN_CASES:
        raise Conflict(f"{case.item.name} is {case.status.value}: nothing to withdraw",
                       code="nothing-to-withdraw")  # fmt: skip
    reason = reason.strip()
    if len(reason) > applications.MAX_TEXT:
        raise Invalid(f"the reason is at most {applications.MAX_TEXT} characters",
                      code="reason-too-long")  # fmt: skip
    needed = _waiting_on(session, application, case)
    if needed:
        raise Conflict(
            f"the other services wait for what {case.item.name} issues ({', '.join(needed)}); "
            "withdraw the whole application instead",
            code="needed-by-others",
        )
    case.status, case.reason = CaseStatus.WITHDRAWN, reason
    where = case.department.name if case.department else ""
    applications.add_event(session, application, "Withdrawn", application.applicant_name,
                           f"{case.item.name}（{where}）：{reason}".rstrip("："), case)  # fmt: skip
    applications.close_when_done(application)
    notify.to_applicant(
        session,
        application,
        f"已撤回：{case.item.name}",
        f"您的申请 {application.ref} 中“{case.item.name}”已撤回，其他事项照常办理。",
    )
    return case
