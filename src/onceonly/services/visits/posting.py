"""Results posted home (邮寄送达): the applicant asks, the address comes from the
household register through the exchange (with the application as purpose, so it is in
the audit log and the applicant's data tracker), the department records the carrier's
tracking number, then the delivery."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.core.settings import Settings
from onceonly.identity.models import Person
from onceonly.services.applications import prefill
from onceonly.services.applications.applications import add_event
from onceonly.services.applications.starting import purpose_of
from onceonly.services.casework import notify
from onceonly.services.models import Application, ApplicationCase, ApplicationStatus
from onceonly.services.visits.models import Posting, PostingState

ADDRESS_RESOURCE = "ps.residents"  # the household register: name and registered address
TRACKING_NO = re.compile(r"^[A-Z0-9]{8,30}$")


def posting_of(session: Session, application: Application) -> Posting | None:
    return session.scalar(select(Posting).where(Posting.application_id == application.id))


def request_posting(
    session: Session, application: Application, actor: Actor, settings: Settings | None = None
) -> Posting:
    """Ask for the paper result to be posted to the registered address."""
    if application.status is ApplicationStatus.WITHDRAWN:
        raise Conflict("this application was withdrawn", code="application-withdrawn")
    if posting_of(session, application) is not None:
        raise Conflict("the result is already to be posted", code="already-requested")
    person = session.get(Person, application.person_id)
    assert person is not None  # an application's person is a foreign key
    fetch = prefill.Fetch("posting", ADDRESS_RESOURCE, ("name", "address"), person.id_number)
    purpose = "邮寄送达：" + purpose_of(application.title, application.ref)
    result = prefill.fetch_exchange(
        [fetch], purpose, application.ref, session=session, settings=settings
    ).results[0]
    if result.row is None or not result.row.get("address"):
        raise Invalid(
            "the household register gives no address for you; collect the result in person",
            code="no-address",
        )
    posting = Posting(
        application_id=application.id,
        recipient=str(result.row.get("name") or application.applicant_name),
        address=str(result.row["address"]),
        address_source=ADDRESS_RESOURCE,
    )
    try:
        with session.begin_nested():
            session.add(posting)
            session.flush()
    except IntegrityError:
        raise Conflict("the result is already to be posted", code="already-requested") from None
    add_event(session, application, "Posting requested", actor.label)
    _record(session, "visits.posting.request", actor, posting)
    return posting


def _record(session: Session, action: str, actor: Actor, posting: Posting, **detail: str) -> None:
    audit.record(
        session,
        audit.Event(
            action,
            actor,
            "visit_posting",
            str(posting.id),
            subject_id_number=posting.application.applicant_code,
            detail={"application": posting.application.ref, **detail},
        ),
    )


def postings_for(session: Session, departments: Sequence[int] | None) -> list[Posting]:
    """Postings not yet delivered, for applications with a case at these departments."""
    query = select(Posting).where(Posting.state != PostingState.DELIVERED)
    if departments is not None:
        handled = select(ApplicationCase.application_id).where(
            ApplicationCase.department_id.in_(departments)
        )
        query = query.where(Posting.application_id.in_(handled))
    return list(session.scalars(query.order_by(Posting.requested_at)))


def posting_for_clerk(
    session: Session, departments: Sequence[int] | None, posting_id: int
) -> Posting:
    found = next((p for p in postings_for(session, departments) if p.id == posting_id), None)
    if found is None:
        raise NotFound(
            f"no open posting {posting_id} for your department", code="posting-not-found"
        )
    return found


def mark_posted(
    session: Session, posting: Posting, actor: Actor, carrier: str, tracking_no: str
) -> None:
    tracking_no = tracking_no.strip().upper()
    if posting.state is not PostingState.REQUESTED:
        raise Conflict("this result was already posted", code="already-posted")
    if not TRACKING_NO.match(tracking_no):
        raise Invalid("a tracking number is 8 to 30 letters and digits", code="bad-tracking-number")
    if not carrier.strip():
        raise Invalid("name the carrier", code="no-carrier")
    posting.state, posting.posted_at = PostingState.POSTED, utcnow()
    posting.carrier, posting.tracking_no = carrier.strip()[:60], tracking_no
    application = posting.application
    add_event(
        session, application, "Result posted", actor.label, f"{posting.carrier} {tracking_no}"
    )
    notify.to_applicant(
        session,
        application,
        f"结果已寄出：{application.title}",
        f"您的申请 {application.ref} 的办理结果已交{posting.carrier}寄往{posting.address}，"
        f"运单号 {tracking_no}。",
    )
    _record(session, "visits.posting.posted", actor, posting, tracking_no=tracking_no)


def mark_delivered(session: Session, posting: Posting, actor: Actor) -> None:
    if posting.state is not PostingState.POSTED:
        raise Conflict("record the tracking number first", code="not-posted")
    posting.state, posting.delivered_at = PostingState.DELIVERED, utcnow()
    add_event(session, posting.application, "Result delivered", actor.label, posting.tracking_no)
    _record(session, "visits.posting.delivered", actor, posting)
