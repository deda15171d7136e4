"""Data correction (数据纠错): a citizen disputes a value fetched for an application; the
department that holds the data answers by a deadline in working days, correcting it or
refusing with a reason; a correction refreshes the application's material.

The platform reaches department sources only through read-only connectors, so a
department records its correction here (and fixes its own system); the refresh fetches
the material again and lays the recorded correction over what came back, so the
application carries the corrected value whether or not the source has it yet.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog.models import Resource
from onceonly.core.actors import Actor
from onceonly.core.calendar import load_calendar
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.core.settings import Settings
from onceonly.identity import service as identity
from onceonly.identity.models import Person, Role, User
from onceonly.licences.models import Licence
from onceonly.services.applications import applications
from onceonly.services.applications.applications import Applicant
from onceonly.services.applications.starting import PORTAL_ACTOR
from onceonly.services.casework import notify
from onceonly.services.disputes import refresh
from onceonly.services.disputes.models import Dispute, DisputeStatus
from onceonly.services.items import service as catalog
from onceonly.services.models import (
    Application,
    ApplicationMaterial,
    ApplicationStatus,
    MaterialState,
)

ANSWER_DAYS = 5  # working days a department has to answer a dispute
MAX_TEXT = 2000
ANSWER_ROLES = (Role.department_admin, Role.data_steward, Role.reviewer)
PURPOSE = "数据纠错：申请人对共享获取的数据提出异议"


def _owner(session: Session, material: ApplicationMaterial) -> int:
    """The department holding the fetched value: the resource's, or the licence issuer."""
    resource = session.scalar(select(Resource).where(Resource.code == material.origin))
    if resource is not None:
        return resource.department_id
    licence = session.scalar(select(Licence).where(Licence.serial == material.origin))
    if licence is not None:
        return licence.issuer_department_id
    raise Invalid(
        f"{material.name} came from another province's platform: ask there to correct it",
        code="not-disputable",
    )


def _text(value: str, what: str, code: str) -> str:
    value = value.strip()
    if not value:
        raise Invalid(f"say {what}", code=code)
    if len(value) > MAX_TEXT:
        raise Invalid(f"{what}: at most {MAX_TEXT} characters", code="text-too-long")
    return value


def open_dispute(
    session: Session, application: Application, key: str, claim: str, applicant: Applicant,
    field: str = "",
) -> Dispute:  # fmt: skip
    """The applicant says a fetched value is wrong; it goes to the holding department."""
    material = applications.material(application, key)
    if material.state is not MaterialState.FETCHED:
        raise Invalid(
            f"{material.name} was not fetched from a department: only fetched data can be "
            "disputed (change what you gave yourself in the application)",
            code="not-fetched",
        )
    if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED):
        raise Conflict(f"application {application.ref} is closed", code="application-closed")
    claim = _text(claim, "what is wrong", "empty-claim")
    if field and field not in material.data:
        raise Invalid(f"{material.name} has no field {field}", code="no-such-field")
    if any(
        d.material_key == key and d.status is DisputeStatus.OPEN for d in of(session, application)
    ):
        raise Conflict(
            f"{material.name} is already disputed; wait for the department's answer",
            code="dispute-open",
        )
    now = utcnow()
    dispute = Dispute(
        application_id=application.id,
        material_key=key,
        material_name=material.name,
        source=material.origin,
        department_id=_owner(session, material),
        person_id=applicant.person_id,
        field=field,
        claim=claim,
        opened_at=now,
        due_at=load_calendar(session).deadline(now, ANSWER_DAYS),
    )
    session.add(dispute)
    session.flush()
    applications.add_event(session, application, "Data disputed", applicant.name, material.name)
    # The claim stays in the dispute (it may name people); the log says what and where.
    _log(session, "dispute.open", PORTAL_ACTOR, dispute, applicant.person_code,
         {"application": application.ref})  # fmt: skip
    return dispute


def _log(
    session: Session, action: str, actor: Actor, dispute: Dispute, id_number: str | None,
    detail: Mapping[str, object],
) -> None:  # fmt: skip
    audit.record(
        session,
        audit.Event(
            action,
            actor,
            "dispute",
            str(dispute.id),
            subject_id_number=id_number,
            purpose=PURPOSE,
            detail={"material": dispute.material_key, "source": dispute.source, **detail},
        ),
    )


def of(session: Session, application: Application) -> list[Dispute]:
    return list(
        session.scalars(
            select(Dispute).where(Dispute.application_id == application.id).order_by(Dispute.id)
        )
    )


def departments_of(session: Session, user: User) -> list[int] | None:
    """The departments whose disputes the user answers (None: all, a platform admin)."""
    return catalog.departments_handled(session, user, ANSWER_ROLES, "a department role")


def department_query(
    session: Session, user: User, status: DisputeStatus | None = None
) -> Select[Dispute]:
    """The disputes of the data the user's departments hold, the soonest due first."""
    query = select(Dispute).order_by(Dispute.due_at, Dispute.id)
    departments = departments_of(session, user)
    query = catalog.within(query, Dispute.department_id, departments)
    if status is not None:
        query = query.where(Dispute.status == status)
    return query


def for_department(
    session: Session, user: User, status: DisputeStatus | None = None, limit: int = 200
) -> list[Dispute]:
    """The first `limit` of them (the workbench page shows the soonest due)."""
    return list(session.scalars(department_query(session, user, status).limit(limit)))


def dispute_for(session: Session, user: User, dispute_id: int) -> Dispute:
    """The dispute, if the user's department holds the data (404 otherwise)."""
    dispute = session.get(Dispute, dispute_id)
    departments = departments_of(session, user)
    if dispute is None or not catalog.handles(departments, dispute.department_id):
        raise NotFound(f"no dispute {dispute_id} for your department", code="dispute-not-found")
    return dispute


def _corrections(material: ApplicationMaterial, corrections: Mapping[str, str]) -> dict[str, str]:
    values = {k.strip(): v.strip() for k, v in corrections.items() if k.strip()}
    unknown = [k for k in values if k not in material.data]
    if unknown:
        raise Invalid(f"{material.name} has no field {', '.join(unknown)}", code="no-such-field")
    if any(len(v) > MAX_TEXT for v in values.values()):
        raise Invalid(f"a value is at most {MAX_TEXT} characters", code="text-too-long")
    return values


def answer(
    session: Session, user: User, dispute: Dispute, *, corrected: bool, note: str,
    corrections: Mapping[str, str] | None = None, settings: Settings | None = None,
) -> None:  # fmt: skip
    """The department corrects the value (recording the corrected fields) or refuses
    with a reason; a correction refreshes the application's material."""
    if dispute.status is not DisputeStatus.OPEN:
        raise Conflict(
            f"dispute {dispute.id} was already answered ({dispute.status.value})",
            code="dispute-answered",
        )
    application = applications.by_id(session, dispute.application_id)
    material = applications.material(application, dispute.material_key)
    values = _corrections(material, corrections or {}) if corrected else {}
    if corrected and not values:
        raise Invalid("give the corrected value of at least one field", code="no-correction")
    note = _text(note, "what was corrected" if corrected else "why", "reason-required")
    dispute.status = DisputeStatus.CORRECTED if corrected else DisputeStatus.REFUSED
    dispute.answered_at, dispute.answered_by = utcnow(), user.id
    dispute.answer, dispute.corrections = note, values
    person = session.get(Person, dispute.person_id)
    id_number = person.id_number if person is not None else None
    _log(session, "dispute.answer", identity.actor_for_user(user), dispute, id_number,
         {"status": dispute.status.value, "fields": sorted(values)})  # fmt: skip
    kind = "Data corrected" if corrected else "Dispute refused"
    applications.add_event(session, application, kind, user.display_name, note)
    if corrected:
        refresh.material(session, application, material, values, settings)
    verdict = "已更正" if corrected else "未更正"
    notify.to_applicant(
        session,
        application,
        f"数据纠错{verdict}：{dispute.material_name}",
        f"您对申请 {application.ref} 中“{dispute.material_name}”提出的异议"
        f"已答复（{verdict}）：{note}",
    )
