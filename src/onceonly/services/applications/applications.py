"""Applications: who applies, reading an application, providing the materials still
missing, confirming and submitting; answering a correction request; withdrawing.

Starting one (plan and prefill) is in `starting.py`, the reviewers' side in
`casework/review.py`. No HTTP here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.core.calendar import WorkCalendar, load_calendar
from onceonly.core.db import utcnow
from onceonly.core.deps import Citizen
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.identity.models import Person
from onceonly.services.applications import crossborder
from onceonly.services.casework import notify, routing
from onceonly.services.models import (
    CLOSED_CASES,
    Application,
    ApplicationCase,
    ApplicationEvent,
    ApplicationMaterial,
    ApplicationStatus,
    CaseStatus,
    MaterialState,
    SubjectKind,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
MAX_TEXT = 2000


@dataclass(frozen=True)
class Applicant:
    """Who applies: a person, or a company through its signed-in representative."""

    kind: SubjectKind
    code: str  # ID number or credit code: whose data is fetched and who holds results
    name: str
    person_id: int
    person_code: str  # the signed-in person's ID number
    email: str = ""

    @property
    def entity_code(self) -> str | None:
        return self.code if self.kind is SubjectKind.ENTITY else None


def applicant_of(session: Session, citizen: Citizen) -> Applicant:
    person = session.get(Person, citizen.person_id)
    email = person.email if person is not None else ""
    if citizen.entity_id is not None and citizen.entity_code:
        return Applicant(
            SubjectKind.ENTITY,
            citizen.entity_code,
            citizen.entity_name or "",
            citizen.person_id,
            citizen.id_number,
            email,
        )
    return Applicant(
        SubjectKind.PERSON,
        citizen.id_number,
        citizen.name,
        citizen.person_id,
        citizen.id_number,
        email,
    )


# Reading ---------------------------------------------------------------------------


def get_application(session: Session, ref: str) -> Application:
    application = session.scalar(select(Application).where(Application.ref == ref))
    if application is None:
        raise NotFound(f"no application {ref}", code="application-not-found")
    return application


def by_id(session: Session, application_id: int) -> Application:
    """The application a case, dispute or fee names (by foreign key, so it exists)."""
    application = session.get(Application, application_id)
    assert application is not None
    return application


def own_application(session: Session, ref: str, applicant: Applicant) -> Application:
    """The application, if it is this applicant's (404 otherwise: no probing refs)."""
    application = get_application(session, ref)
    if application.applicant_code != applicant.code or application.person_id != applicant.person_id:
        raise NotFound(f"no application {ref}", code="application-not-found")
    return application


def citizens_application(session: Session, citizen: Citizen, ref: str) -> Application:
    """The signed-in citizen's own application `ref` (404 otherwise)."""
    return own_application(session, ref, applicant_of(session, citizen))


def list_for(session: Session, applicant: Applicant, limit: int = 100) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.applicant_code == applicant.code,
                Application.person_id == applicant.person_id,
            )
            .order_by(Application.id.desc())
            .limit(limit)
        )
    )


def timeline(session: Session, application: Application) -> list[ApplicationEvent]:
    return list(
        session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.id)
        )
    )


def material(application: Application, key: str) -> ApplicationMaterial:
    for item in application.materials:
        if item.key == key:
            return item
    raise NotFound(f"application {application.ref} has no material {key}", code="no-such-material")


def missing(application: Application) -> list[ApplicationMaterial]:
    return [m for m in application.materials if m.required and m.state is MaterialState.MISSING]


def correction_keys(application: Application) -> set[str]:
    return {
        key
        for case in application.cases
        if case.status is CaseStatus.CORRECTION
        for key in case.correction_keys
    }


# Writing ---------------------------------------------------------------------------


def add_event(
    session: Session,
    application: Application,
    kind: str,
    by: str,
    note: str = "",
    case: ApplicationCase | None = None,
) -> None:
    session.add(
        ApplicationEvent(
            application_id=application.id,
            case_id=case.id if case is not None else None,
            kind=kind,
            by=by,
            note=note,
        )
    )


def _editable(application: Application, key: str) -> None:
    if application.status is ApplicationStatus.DRAFT:
        return
    if key in correction_keys(application):
        return
    raise Conflict(
        "this material can't be changed now: the application was submitted",
        code="application-submitted",
    )


def provide_text(session: Session, application: Application, key: str, text: str) -> None:
    """The applicant fills in a material (a form field)."""
    target = material(application, key)
    _editable(application, key)
    text = text.strip()
    if not text:
        raise Invalid(f"fill in {target.name}", code="empty-material", material=key)
    if len(text) > MAX_TEXT:
        raise Invalid(f"{target.name}: at most {MAX_TEXT} characters", code="material-too-long")
    target.state = MaterialState.PROVIDED
    target.data = {"text": text}
    target.origin = "applicant"
    target.content = None
    target.confirmed = True


def provide_upload(
    session: Session, application: Application, key: str, filename: str, content: bytes
) -> None:
    """The applicant uploads a scan or photo of a material."""
    target = material(application, key)
    _editable(application, key)
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].strip()
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in UPLOAD_TYPES:
        raise Invalid(
            f"{target.name}: upload a PDF, JPEG or PNG file", code="bad-upload-type", material=key
        )
    if not content:
        raise Invalid(f"{target.name}: the file is empty", code="empty-upload", material=key)
    if len(content) > MAX_UPLOAD_BYTES:
        raise Invalid(
            f"{target.name}: the file is larger than 10 MB", code="upload-too-large", material=key
        )
    target.state = MaterialState.PROVIDED
    target.data = {
        "filename": name[:200],
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "media_type": UPLOAD_TYPES[suffix],
    }
    target.origin = "applicant"
    target.content = content
    target.confirmed = True


def submit(session: Session, application: Application, *, confirmed: bool) -> None:
    """Send every case to its competent department, with its promised deadline."""
    if application.status is not ApplicationStatus.DRAFT:
        raise Conflict(
            f"application {application.ref} was already submitted", code="already-submitted"
        )
    if not confirmed:
        raise Invalid(
            "confirm that the data fetched for you is right (or correct it) before submitting",
            code="not-confirmed",
        )
    gaps = missing(application)
    if gaps:
        raise Invalid(
            "still missing: " + ", ".join(m.name for m in gaps),
            code="materials-missing",
            missing=[m.key for m in gaps],
        )
    now = utcnow()
    calendar = load_calendar(session)
    for case in application.cases:
        route = routing.route(
            session, case.item, application.region_code, application.home_region_code
        )
        case.item_id, case.item = route.item.id, route.item
        case.department_id, case.department = route.department.id, route.department
        _send(case, now, calendar)
        add_event(session, application, "Submitted", application.applicant_name,
                  route.department.name, case)  # fmt: skip
    for item in application.materials:
        if item.state is MaterialState.FETCHED:
            item.confirmed = True
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    crossborder.route_elsewhere(session, application)
    notify.to_applicant(
        session,
        application,
        f"已提交：{application.title}",
        f"您的申请 {application.ref} 已提交，共 {len(application.cases)} 个事项，"
        "已分送各主管部门办理。您可在“我的办件”查看进度。",
    )


def _send(case: ApplicationCase, now: datetime, calendar: WorkCalendar) -> None:
    """The case waits for its department; the promised (else statutory) time starts."""
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = now
    days = case.item.promised_days or case.item.statutory_days
    case.due_at = calendar.deadline(now, days) if days else None


def resubmit(session: Session, application: Application) -> None:
    """Answer the correction request: every material asked for again must be given.
    The promised time starts again in full (补正 restarts acceptance)."""
    waiting = [c for c in application.cases if c.status is CaseStatus.CORRECTION]
    if not waiting:
        raise Conflict("no correction was asked for", code="no-correction")
    keys = correction_keys(application)
    still = [
        m.name for m in application.materials if m.key in keys and m.state is MaterialState.MISSING
    ]
    if still:
        raise Invalid("still missing: " + ", ".join(still), code="materials-missing")
    now = utcnow()
    calendar = load_calendar(session)
    for case in waiting:
        _send(case, now, calendar)
        add_event(session, application, "Corrected", application.applicant_name, "", case)


def close_when_done(application: Application) -> bool:
    """Once every case is closed, so is the application: completed if a department
    decided any of them, else withdrawn. True when this closed it."""
    if not all(c.status in CLOSED_CASES for c in application.cases):
        return False
    decided = any(c.status is not CaseStatus.WITHDRAWN for c in application.cases)
    application.status = ApplicationStatus.COMPLETED if decided else ApplicationStatus.WITHDRAWN
    application.completed_at = utcnow()
    return True


def withdraw(session: Session, application: Application, reason: str) -> None:
    """The applicant withdraws what no department has decided yet (撤回申请). A draft is
    simply closed; decided cases keep their result."""
    if application.status in (ApplicationStatus.COMPLETED, ApplicationStatus.WITHDRAWN):
        raise Conflict(
            f"application {application.ref} is {application.status.value}: nothing to withdraw",
            code="nothing-to-withdraw",
        )
    reason = reason.strip()
    if len(reason) > MAX_TEXT:
        raise Invalid(f"the reason is at most {MAX_TEXT} characters", code="reason-too-long")
    if application.status is ApplicationStatus.DRAFT:
        # Never sent: no department saw it, so its cases stay drafts nobody lists.
        application.status = ApplicationStatus.WITHDRAWN
        application.completed_at = utcnow()
        add_event(session, application, "Withdrawn", application.applicant_name, reason)
    else:
        for case in application.cases:
            if case.status in CLOSED_CASES:
                continue
            case.status, case.reason = CaseStatus.WITHDRAWN, reason
            # Each department's trail names it; the applicant's timeline says where.
            note = case.department.name if case.department else ""
            add_event(session, application, "Withdrawn", application.applicant_name,
                      f"{note}：{reason}" if reason else note, case)  # fmt: skip
        close_when_done(application)
    notify.to_applicant(
        session,
        application,
        f"已撤回：{application.title}",
        f"您的申请 {application.ref} 已撤回，未办结的事项不再办理。如需办理，请重新申请。",
    )
