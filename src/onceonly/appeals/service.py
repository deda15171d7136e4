"""Appeal rules: intake, dispatch, acceptance, deadlines, reminders, replies, ratings.

Every step writes an `AppealEvent` (the appeal's timeline) and an audit entry in the
same transaction. Deadlines are counted in working days on the platform calendar.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.appeals.models import (
    ACCEPTED,
    CLOSED,
    DISPATCHED,
    MERGED,
    OPEN_STATUSES,
    PENDING,
    Appeal,
    AppealCategory,
    AppealEvent,
)
from onceonly.appeals.workflow.routing import get_category, resolve_department
from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.calendar import WorkCalendar, load_calendar
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Forbidden, Invalid, NotFound
from onceonly.identity.models import Department, Region

MAX_DESCRIPTION = 4000  # Open311: "free form text limited to 4,000 characters"
ACCEPT_DAYS = 1  # a department accepts or returns a dispatched appeal within this
URGENCIES = ("normal", "urgent")
CHANNELS = ("portal", "phone", "open311")

# Intake -----------------------------------------------------------------------------


@dataclass
class Intake:
    category_code: str
    description: str
    channel: str
    address: str = ""
    lat: float | None = None
    long: float | None = None
    region_code: str | None = None
    media_url: str = ""
    urgency: str = "normal"
    person_id: int | None = None
    client_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    public: bool | None = None  # None: private if it is about a person, else public


def validate(session: Session, intake: Intake) -> AppealCategory:
    description = intake.description.strip()
    if not description:
        raise Invalid("describe the problem", code="missing-description", field="description")
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(
            f"the description has {len(description)} characters; at most {MAX_DESCRIPTION}",
            code="description-too-long",
            field="description",
        )
    has_point = intake.lat is not None and intake.long is not None
    if not intake.address.strip() and not has_point:
        raise Invalid(
            "give the location as an address or as latitude and longitude",
            code="missing-location",
            field="address",
        )
    if (intake.lat is None) != (intake.long is None):
        raise Invalid("latitude and longitude go together", code="bad-location", field="lat")
    if intake.lat is not None and not -90 <= intake.lat <= 90:
        raise Invalid("latitude must be between -90 and 90", code="bad-location", field="lat")
    if intake.long is not None and not -180 <= intake.long <= 180:
        raise Invalid("longitude must be between -180 and 180", code="bad-location", field="long")
    if intake.urgency not in URGENCIES:
        raise Invalid("urgency must be normal or urgent", code="bad-urgency", field="urgency")
    if intake.channel not in CHANNELS:
        raise Invalid(f"unknown channel {intake.channel!r}", field="channel")
    if len(intake.address) > 300:
        raise Invalid("the address is too long (300 characters at most)", field="address")
    if intake.region_code and session.get(Region, intake.region_code) is None:
        raise Invalid(f"unknown region {intake.region_code}", code="unknown-region", field="region")
    return get_category(session, intake.category_code)


def _event(
    session: Session,
    appeal: Appeal,
    kind: str,
    actor: Actor,
    now: datetime,
    *,
    note: str = "",
    public: bool = True,
    detail: dict[str, Any] | None = None,
) -> audit.Event:
    """Put a step on the timeline; returns its audit event for the caller to record."""
    appeal.updated_at = now
    session.add(
        AppealEvent(
            appeal_id=appeal.id,
            at=now,
            kind=kind,
            actor_label=actor.label,
            department_id=actor.department_id,
            note=note,
            public=public,
        )
    )
    data = {"status": appeal.status, **(detail or {})}
    if note and kind in ("returned", "reply", "note", "reopened", "overridden"):
        data["note"] = note[:200]
    return audit.Event(f"appeal.{kind}", actor, "appeal", str(appeal.id), detail=data)


class StepOptions(TypedDict, total=False):
    """`_event`'s keyword options, for `step` to pass on as they are."""

    note: str
    public: bool
    detail: dict[str, Any] | None


def step(
    session: Session,
    appeal: Appeal,
    kind: str,
    actor: Actor,
    now: datetime,
    **options: Unpack[StepOptions],
) -> None:
    """Put a step on the timeline and record its audit event at once."""
    audit.record(session, _event(session, appeal, kind, actor, now, **options))


def submit(
    session: Session,
    intake: Intake,
    actor: Actor,
    *,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Appeal:
    """Take an appeal in, set its handling deadline, and dispatch it if a rule routes it."""
    category = validate(session, intake)
    now = now or utcnow()
    calendar = calendar or load_calendar(session)
    days = category.days_urgent if intake.urgency == "urgent" else category.days_normal
    department = resolve_department(session, category, intake.region_code or None)
    appeal = Appeal(
        token=secrets.token_urlsafe(12),
        category_code=category.code,
        urgency=intake.urgency,
        channel=intake.channel,
        description=intake.description.strip(),
        address=intake.address.strip(),
        lat=intake.lat,
        long=intake.long,
        region_code=intake.region_code or None,
        media_url=intake.media_url,
        public=intake.public if intake.public is not None else intake.person_id is None,
        person_id=intake.person_id,
        client_id=intake.client_id,
        contact_name=intake.contact_name.strip()[:100],
        contact_phone=intake.contact_phone.strip()[:40],
        contact_email=intake.contact_email.strip()[:200],
        status=PENDING,
        requested_at=now,
        updated_at=now,
        due_at=calendar.deadline(now, days),
    )
    if department is not None:  # routed by the rules: dispatched in the same insert
        appeal.status = DISPATCHED
        appeal.department_id = department.id
        appeal.dispatched_at = now
        appeal.accept_by = calendar.deadline(now, ACCEPT_DAYS)
    session.add(appeal)
    session.flush()
    events = [_event(session, appeal, "submitted", actor, now, detail={"channel": intake.channel})]
    if department is not None:
        events.append(
            _event(
                session,
                appeal,
                "dispatched",
                Actor.system("dispatch rules"),
                now,
                note=department.name,
                detail={"department": department.code},
            )
        )
    audit.record_many(session, events)
    return appeal


def _dispatch(
    session: Session,
    appeal: Appeal,
    department: Department,
    actor: Actor,
    now: datetime,
    calendar: WorkCalendar,
    *,
    note: str = "",
    kind: str = "dispatched",
) -> None:
    appeal.department_id = department.id
    appeal.status = DISPATCHED
    appeal.dispatched_at = now
    appeal.accept_by = calendar.deadline(now, ACCEPT_DAYS)
    appeal.accepted_at = None
    appeal.escalated_at = None
    appeal.reminded_at = None
    appeal.first_response_seconds = None
    step(
        session,
        appeal,
        kind,
        actor,
        now,
        note=note or department.name,
        detail={"department": department.code},
    )


def get_appeal(session: Session, appeal_id: int | str) -> Appeal:
    try:
        key = int(appeal_id)
    except (TypeError, ValueError):
        key = -1
    appeal = session.get(Appeal, key) if key > 0 else None
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}", code="appeal-not-found")
    return appeal


def by_token(session: Session, token: str) -> Appeal:
    appeal = session.scalar(select(Appeal).where(Appeal.token == token))
    if appeal is None:
        raise NotFound("no appeal has this token", code="token-not-found")
    return appeal


# The operator desk -----------------------------------------------------------------


def override(
    session: Session, appeal: Appeal, department: Department, actor: Actor, note: str = ""
) -> None:
    """An operator sends the appeal to another department, whatever the rules say."""
    if appeal.status not in OPEN_STATUSES:
        raise Conflict("the appeal is closed", code="appeal-closed")
    now = utcnow()
    kind = "overridden" if appeal.department_id else "dispatched"
    _dispatch(session, appeal, department, actor, now, load_calendar(session), note=note, kind=kind)


def merge(session: Session, duplicate: Appeal, into: Appeal, actor: Actor) -> None:
    """File `duplicate` under `into`: it is answered when `into` is answered."""
    if duplicate.id == into.id:
        raise Invalid("an appeal cannot be merged into itself", code="merge-self")
    if duplicate.status not in OPEN_STATUSES:
        raise Conflict(f"appeal {duplicate.id} is closed", code="appeal-closed")
    if into.status == MERGED:
        raise Conflict(f"appeal {into.id} is itself a duplicate", code="merge-chain")
    now = utcnow()
    duplicate.status = MERGED
    duplicate.is_open = False
    duplicate.merged_into_id = into.id
    duplicate.closed_at = now
    duplicate.status_notes = f"Merged with appeal {into.id}"
    step(session, duplicate, "merged", actor, now, note=str(into.id), detail={"into": into.id})
    step(session, into, "duplicate", actor, now, note=str(duplicate.id), public=False)
    if into.status == CLOSED:
        duplicate.reply = into.reply
        duplicate.status_notes = into.status_notes


# The department queue --------------------------------------------------------------


def department_scope(session: Session, department_id: int) -> list[int]:
    """A department and the departments under it (a province's bureau sees its cities')."""
    scope = [department_id]
    frontier = [department_id]
    while frontier:
        frontier = list(
            session.scalars(select(Department.id).where(Department.parent_id.in_(frontier)))
        )
        frontier = [d for d in frontier if d not in scope]
        scope.extend(frontier)
    return scope


def _own(session: Session, appeal: Appeal, actor: Actor) -> None:
    allowed = (
        appeal.department_id is not None
        and actor.department_id is not None
        and appeal.department_id in department_scope(session, actor.department_id)
    )
    if not allowed:
        raise Forbidden("this appeal is not with your department", code="other-department")


def _first_response(appeal: Appeal, now: datetime) -> None:
    if appeal.first_response_seconds is None and appeal.dispatched_at is not None:
        appeal.first_response_seconds = max(0, int((now - appeal.dispatched_at).total_seconds()))


def accept(session: Session, appeal: Appeal, actor: Actor) -> None:
    _own(session, appeal, actor)
    if appeal.status != DISPATCHED:
        raise Conflict("only a dispatched appeal can be accepted", code="not-dispatched")
    now = utcnow()
    appeal.status = ACCEPTED
    appeal.accepted_at = now
    _first_response(appeal, now)
    step(session, appeal, "accepted", actor, now)


def return_appeal(session: Session, appeal: Appeal, actor: Actor, reason: str) -> None:
    """Send it back to the desk: not ours. Allowed only before the acceptance limit."""
    _own(session, appeal, actor)
    reason = reason.strip()
    if not reason:
        raise Invalid("say why the appeal is returned", code="missing-reason", field="reason")
    if appeal.status != DISPATCHED:
        raise Conflict("only an appeal not yet accepted can be returned", code="not-dispatched")
    now = utcnow()
    if appeal.accept_by is not None and now > appeal.accept_by:
        raise Conflict(
            "the time to return this appeal has passed; handle it or ask the hotline desk",
            code="return-window-closed",
        )
    _first_response(appeal, now)
    appeal.status = PENDING
    appeal.department_id = None
    step(session, appeal, "returned", actor, now, note=reason)


def add_note(
    session: Session, appeal: Appeal, actor: Actor, note: str, public: bool = True
) -> None:
    _own(session, appeal, actor)
    note = note.strip()
    if not note:
        raise Invalid("the note is empty", field="note")
    if appeal.status not in (DISPATCHED, ACCEPTED):
        raise Conflict("notes go on appeals being handled", code="not-in-progress")
    now = utcnow()
    _first_response(appeal, now)
    if public:
        appeal.status_notes = note[:2000]
    step(session, appeal, "note", actor, now, note=note, public=public)


def reply(session: Session, appeal: Appeal, actor: Actor, text: str) -> None:
    """The department's answer: it closes the appeal and its duplicates."""
    _own(session, appeal, actor)
    text = text.strip()
    if not text:
        raise Invalid("the reply is empty", field="reply")
    if appeal.status != ACCEPTED:
        raise Conflict("accept the appeal before replying", code="not-accepted")
    now = utcnow()
    _first_response(appeal, now)
    appeal.status = CLOSED
    appeal.is_open = False
    appeal.reply = text
    appeal.status_notes = text[:2000]
    appeal.closed_at = now
    appeal.on_time = appeal.due_at is None or now <= appeal.due_at
    appeal.handling_seconds = int((now - appeal.requested_at).total_seconds())
    step(session, appeal, "reply", actor, now, note=text, detail={"on_time": appeal.on_time})
    for duplicate in session.scalars(select(Appeal).where(Appeal.merged_into_id == appeal.id)):
        duplicate.reply = text
        duplicate.status_notes = text[:2000]
        duplicate.updated_at = now


# The citizen -----------------------------------------------------------------------
