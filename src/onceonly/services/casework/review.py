"""The department's side of an application: accept, ask for corrections once, approve
(issuing the result as an e-licence) or reject with a reason; overdue cases.

A case waits for its department; the promised time limit (working days) runs from
submission, and starts again in full when a correction is answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.identity import service as identity
from onceonly.identity.models import Role, User
from onceonly.licences import service as licences
from onceonly.licences.models import Licence
from onceonly.services.applications import applications, duplicates
from onceonly.services.applications.applications import add_event
from onceonly.services.casework import notify
from onceonly.services.items import service as catalog
from onceonly.services.models import (
    OPEN_CASES,
    Application,
    ApplicationCase,
    CaseStatus,
    MaterialState,
    ServiceItem,
)
from onceonly.services.payments import service as payments

REVIEW_ROLES = (Role.reviewer, Role.department_admin)


def departments_of(session: Session, user: User) -> list[int] | None:
    """The departments whose cases the user handles (None: all, a platform admin)."""
    return catalog.departments_handled(session, user, REVIEW_ROLES, "the reviewer role")


def cases_query(
    departments: Sequence[int] | None, status: CaseStatus | None = None, overdue: bool = False
) -> Select[ApplicationCase]:
    query = select(ApplicationCase).where(ApplicationCase.status != CaseStatus.DRAFT)
    query = catalog.within(query, ApplicationCase.department_id, departments)
    if status is not None:
        query = query.where(ApplicationCase.status == status)
    if overdue:
        query = query.where(
            ApplicationCase.status.in_(OPEN_CASES), ApplicationCase.due_at < utcnow()
        )
    return query.order_by(ApplicationCase.due_at.is_(None), ApplicationCase.due_at)


def is_overdue(case: ApplicationCase, now: datetime | None = None) -> bool:
    return case.status in OPEN_CASES and case.due_at is not None and case.due_at < (now or utcnow())


def case_for(session: Session, user: User, case_id: int) -> ApplicationCase:
    """The case, if the user's department handles it (404 otherwise)."""
    case = session.get(ApplicationCase, case_id)
    departments = departments_of(session, user)
    if (
        case is None
        or case.status is CaseStatus.DRAFT
        or not catalog.handles(departments, case.department_id)
    ):
        raise NotFound(f"no case {case_id} for your department", code="case-not-found")
    return case


def _require(case: ApplicationCase, *allowed: CaseStatus, action: str) -> None:
    if case.status not in allowed:
        raise Conflict(
            f"can't {action} a case that is {case.status.value}", code="wrong-case-status"
        )


def accept(session: Session, user: User, case: ApplicationCase) -> None:
    _require(case, CaseStatus.SUBMITTED, action="accept")
    case.status = CaseStatus.ACCEPTED
    case.accepted_at = utcnow()
    application = applications.by_id(session, case.application_id)
    add_event(session, application, "Accepted", user.display_name, "", case)


def ask_correction(
    session: Session, user: User, case: ApplicationCase, keys: Sequence[str], note: str
) -> None:
    """Send the case back once, naming every material needed again (一次性告知)."""
    if case.correction_asked_at is not None:
        raise Conflict(
            "corrections are asked for once, listing everything at once; this case was "
            "already sent back",
            code="correction-already-asked",
        )
    _require(case, CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, action="ask corrections for")
    application = applications.by_id(session, case.application_id)
    own = {m.key for m in case.item.materials}
    keys = list(dict.fromkeys(keys))
    unknown = [k for k in keys if k not in own]
    if not keys or unknown:
        raise Invalid(
            "choose the materials to give again (from this item's materials)",
            code="bad-correction",
            unknown=unknown,
        )
    if not note.strip():
        raise Invalid("say what is wrong, so the applicant can fix it at once", code="no-note")
    case.status = CaseStatus.CORRECTION
    case.correction_asked_at = utcnow()
    case.correction_keys = keys
    case.correction_note = note.strip()
    names = []
    for material in application.materials:
        if material.key in keys:
            material.state = MaterialState.MISSING
            material.confirmed = False
            material.note = note.strip()
            names.append(material.name)
    add_event(session, application, "Correction asked", user.display_name, note.strip(), case)
    notify.to_applicant(
        session,
        application,
        f"需补正：{case.item.name}",
        f"您的申请 {application.ref} 中“{case.item.name}”需要补正以下材料："
        f"{'、'.join(names)}。说明：{note.strip()}",
    )


def approve(session: Session, user: User, case: ApplicationCase) -> None:
    """Approve; an item with a result licence issues it to the applicant now."""
    _require(case, CaseStatus.ACCEPTED, action="approve")
    payments.require_paid(session, case)  # an unpaid fee: not decided
    application = applications.by_id(session, case.application_id)
    waiting = [
        m.name
        for m in application.materials
        if m.state is MaterialState.FROM_BUNDLE and m.key in {x.key for x in case.item.materials}
    ]
    if waiting:
        raise Conflict(
            f"this case needs the result of another item first: {', '.join(waiting)}",
            code="waiting-for-result",
        )
    note = ""
    if case.item.result_licence:
        note = _issue_result(session, user, case, application)
    _decide(session, user, case, application, CaseStatus.APPROVED, "Approved", note)


def reject(session: Session, user: User, case: ApplicationCase, reason: str) -> None:
    _require(case, CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, action="reject")
    if len(reason.strip()) < 2:
        raise Invalid(
            "give the reason for rejecting, citing the condition not met", code="no-reason"
        )
    case.reason = reason.strip()
    application = applications.by_id(session, case.application_id)
    _decide(session, user, case, application, CaseStatus.REJECTED, "Rejected", case.reason)


def _issue_result(
    session: Session, user: User, case: ApplicationCase, application: Application
) -> str:
    """Issue the item's result licence, once per subject: a licence already issued for
    the same subject is linked instead of issuing another."""
    preview = duplicates.preview_result(session, case)
    assert preview is not None
    if preview.existing is not None:
        if preview.existing.status != "valid":
            raise Conflict(
                f"{preview.existing.serial} was issued for this already and is now "
                f"{preview.existing.status}; a re-issue is a service of its own",
                code="result-not-valid",
            )
        licence = preview.existing
    else:
        department = case.department
        assert department is not None
        request = licences.IssueRequest(
            preview.type_code,
            application.applicant_code,
            duplicates.result_claims(application, case),
            source_key=preview.key,
        )
        try:
            # A savepoint: another process approving the same subject at the same moment
            # holds the idempotency key, and this approval is refused, not half-written.
            with session.begin_nested():
                licence = licences.issue(
                    session, department, request, identity.actor_for_user(user)
                )
        except IntegrityError as error:
            raise Conflict(
                "the result was issued for this just now; reload the case",
                code="result-issued-meanwhile",
            ) from error
    case.result_serial = licence.serial
    _hand_on(session, case, application, licence)
    return licence.serial


def _hand_on(
    session: Session, case: ApplicationCase, application: Application, licence: Licence
) -> None:
    """Cases of the same bundle waiting for this result receive it. They name the item
    as started (the province template), not the implementation it was routed to."""
    claims = {k: str(v) for k, v in licences.claims_of(licence).items()}
    started_as = {case.item.code}
    if case.item.template_id is not None:
        template = session.get(ServiceItem, case.item.template_id)
        started_as.add(template.code if template else "")
    for material in application.materials:
        if material.state is MaterialState.FROM_BUNDLE and material.origin in started_as:
            material.state = MaterialState.FETCHED
            material.origin = licence.serial
            material.data = dict(claims)


def _decide(
    session: Session,
    user: User,
    case: ApplicationCase,
    application: Application,
    status: CaseStatus,
    kind: str,
    note: str,
) -> None:
    case.status = status
    case.decided_at = utcnow()
    case.decided_by = user.id
    add_event(session, application, kind, user.display_name, note, case)
    verdict = "已办结（准予）" if status is CaseStatus.APPROVED else "不予办理"
    detail = f"结果证照：{case.result_serial}" if case.result_serial else (case.reason or "")
    notify.to_applicant(
        session,
        application,
        f"{verdict}：{case.item.name}",
        f"您的申请 {application.ref} 中“{case.item.name}”{verdict}。{detail}",
    )
    if applications.close_when_done(application):  # the last case: it was decided
        add_event(session, application, "Completed", "")
