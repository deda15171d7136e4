"""Open on application: a signed-in person or company applies for a conditionally open
dataset; the publishing department decides within a deadline counted in working days.

An approval delivers a secret that works both as an expiring download link and as a
bearer key scoped to that one application's fields. The list of applications with
dates and outcomes is public, without who applied, so slow departments show.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog.models import OpenClass
from onceonly.core.actors import Actor
from onceonly.core.calendar import CHINA_TZ, load_calendar
from onceonly.core.crypto import api_key_matches, new_api_key, seal, split_api_key, unseal
from onceonly.core.db import get_or_not_found, utcnow
from onceonly.core.deps import Citizen
from onceonly.core.errors import Conflict, Forbidden, Invalid, NotFound
from onceonly.core.settings import get_settings
from onceonly.identity.models import Role, User
from onceonly.identity.service import actor_for_user, require_role
from onceonly.opendata.models import ApplicationStatus, Dataset, OpenDataApplication
from onceonly.opendata.schemas import ApplicationIn, DecisionIn, PublicApplicationOut
from onceonly.opendata.service import get_dataset

DEADLINE_WORKING_DAYS = 10
DECIDERS = (Role.department_admin, Role.data_steward, Role.reviewer)
SEAL_PURPOSE = "opendata-delivery"


def apply(
    session: Session, code: str, citizen: Citizen, spec: ApplicationIn
) -> OpenDataApplication:
    dataset = get_dataset(session, code)
    resource = dataset.resource
    if resource.open_class is not OpenClass.CONDITIONAL:
        raise Conflict(f"{code} is open to everyone: download it, no application is needed")
    errors = []
    unknown = sorted(set(spec.fields) - set(resource.field_names))
    if unknown:
        errors.append({"field": "fields", "reason": f"not fields of {code}: {unknown}"})
    if spec.period_to < spec.period_from:
        errors.append({"field": "period_to", "reason": "the period ends before it starts"})
    if spec.period_to < date.today():
        errors.append({"field": "period_to", "reason": "the period is already over"})
    if errors:
        raise Invalid("The application is incomplete.", errors=errors)
    now = utcnow()
    entity = citizen.entity_id is not None
    application = OpenDataApplication(
        resource_id=resource.id,
        department_id=resource.department_id,
        applicant_kind="entity" if entity else "person",
        applicant_id=citizen.entity_id if entity else citizen.person_id,
        applicant_name=(citizen.entity_name or "") if entity else citizen.name,
        purpose=spec.purpose.strip(),
        fields=[f for f in resource.field_names if f in spec.fields],
        period_from=spec.period_from,
        period_to=spec.period_to,
        delivery=spec.delivery,
        status=ApplicationStatus.PENDING,
        submitted_at=now,
        due_at=load_calendar(session).deadline(now, DEADLINE_WORKING_DAYS),
    )
    application.resource = resource
    session.add(application)
    session.flush()
    audit.record(
        session,
        audit.Event(
            "opendata.application.submitted",
            citizen.actor,
            "opendata_application",
            str(application.id),
            purpose=application.purpose[:200],
            detail={"dataset": code, "fields": application.fields},
        ),
    )
    return application


def get(session: Session, application_id: int) -> OpenDataApplication:
    missing = f"No open data application {application_id}."
    return get_or_not_found(session, OpenDataApplication, application_id, missing)


def decide(
    session: Session, application_id: int, user: User, decision: DecisionIn
) -> OpenDataApplication:
    application = get(session, application_id)
    require_role(user, *DECIDERS, department_id=application.department_id)
    if application.status is not ApplicationStatus.PENDING:
        raise Conflict(f"application {application_id} was already {application.status}")
    if not decision.approve and not decision.reason.strip():
        raise Invalid(
            "a refusal needs a reason", errors=[{"field": "reason", "reason": "required"}]
        )
    now = utcnow()
    application.decided_at = now
    application.decided_by = user.display_name
    application.reason = decision.reason.strip()
    if decision.approve:
        application.status = ApplicationStatus.APPROVED
        key, prefix, digest = new_api_key()
        application.token_prefix, application.token_hash = prefix, digest
        application.token_sealed = seal(
            get_settings().master_key_bytes(), SEAL_PURPOSE, key.encode()
        )
        end_of_period = datetime.combine(application.period_to, time(23, 59, 59), CHINA_TZ)
        application.token_expires_at = min(now + timedelta(days=decision.valid_days), end_of_period)
    else:
        application.status = ApplicationStatus.REFUSED
    audit.record(
        session,
        audit.Event(
            f"opendata.application.{application.status}",
            actor_for_user(user),
            "opendata_application",
            str(application.id),
            detail={"dataset": application.dataset_code, "late": now > application.due_at},
        ),
    )
    return application


def delivered_secret(application: OpenDataApplication) -> str | None:
    """The delivery secret, for the applicant's own page only."""
    if application.status is not ApplicationStatus.APPROVED or not application.token_sealed:
        return None
    return unseal(
        get_settings().master_key_bytes(), SEAL_PURPOSE, application.token_sealed
    ).decode()


def by_secret(session: Session, secret: str) -> tuple[OpenDataApplication, Dataset]:
    """The approved, unexpired application a delivery secret opens, and its dataset."""
    prefix = split_api_key(secret)
    application = (
        session.scalar(
            select(OpenDataApplication).where(OpenDataApplication.token_prefix == prefix)
        )
        if prefix
        else None
    )
    if application is None or not api_key_matches(secret, application.token_hash):
        raise NotFound("This delivery link is not valid.", code="delivery-not-found")
    if application.token_expires_at is None or application.token_expires_at < utcnow():
        raise Forbidden("This delivery has expired: apply again.", code="delivery-expired")
    dataset = get_dataset(session, application.dataset_code)
    return application, dataset


def record_delivery(session: Session, application: OpenDataApplication, what: str) -> None:
    actor = Actor(application.applicant_kind, str(application.applicant_id), "open data applicant")  # type: ignore[arg-type]
    audit.record(
        session,
        audit.Event(
            "opendata.delivery.accessed",
            actor,
            "opendata_application",
            str(application.id),
            purpose=application.purpose[:200],
            detail={"dataset": application.dataset_code, "what": what},
        ),
    )


def overdue(session: Session, *, today: date | None = None) -> list[OpenDataApplication]:
    """Pending applications past their deadline (as of the start of `today`, or now)."""
    cutoff = datetime.combine(today, time.min, CHINA_TZ) if today else utcnow()
    return list(
        session.scalars(
            select(OpenDataApplication)
            .where(
                OpenDataApplication.status == ApplicationStatus.PENDING,
                OpenDataApplication.due_at < cutoff,
            )
            .order_by(OpenDataApplication.due_at)
        )
    )


def mine(session: Session, citizen: Citizen) -> Sequence[OpenDataApplication]:
    entity = citizen.entity_id is not None
    return session.scalars(
        select(OpenDataApplication)
        .where(
            OpenDataApplication.applicant_kind == ("entity" if entity else "person"),
            OpenDataApplication.applicant_id
            == (citizen.entity_id if entity else citizen.person_id),
        )
        .order_by(OpenDataApplication.submitted_at.desc())
    ).all()


def queue(
    session: Session, department_id: int | None, *, status: ApplicationStatus | None = None
) -> Sequence[OpenDataApplication]:
    query = select(OpenDataApplication).order_by(OpenDataApplication.due_at)
    if department_id is not None:
        query = query.where(OpenDataApplication.department_id == department_id)
    if status is not None:
        query = query.where(OpenDataApplication.status == status)
    return session.scalars(query).all()


def public_list(session: Session, *, limit: int = 500) -> list[PublicApplicationOut]:
    """Every application's dates and outcome, newest first, without the applicant."""
    now = utcnow()
    rows = session.scalars(
        select(OpenDataApplication).order_by(OpenDataApplication.submitted_at.desc()).limit(limit)
    ).all()
    return [
        PublicApplicationOut(
            id=a.id,
            dataset_code=a.dataset_code,
            department_code=a.department.code,
            status=str(a.status),
            submitted_at=a.submitted_at,
            due_at=a.due_at,
            decided_at=a.decided_at,
            overdue=(a.decided_at or now) > a.due_at,
            reason=a.reason if a.status is ApplicationStatus.REFUSED else "",
        )
        for a in rows
    ]
