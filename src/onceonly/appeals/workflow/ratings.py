"""The reporter's side after a reply: a rating, and one reopening when dissatisfied."""

from __future__ import annotations

from sqlalchemy.orm import Session

from onceonly.appeals.models import ACCEPTED, CLOSED, PENDING, Appeal
from onceonly.appeals.service import step
from onceonly.appeals.workflow.routing import get_category
from onceonly.core.actors import Actor
from onceonly.core.calendar import load_calendar
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound

RATINGS = {
    1: "Very dissatisfied",
    2: "Dissatisfied",
    3: "Neutral",
    4: "Satisfied",
    5: "Very satisfied",
}
SATISFIED_FROM = 4  # ratings 4 and 5 count as satisfied
DISSATISFIED_UP_TO = 2  # ratings 1 and 2 may reopen the appeal (once)
MAX_REOPENS = 1


def _reporter(appeal: Appeal, person_id: int) -> None:
    if appeal.person_id is None or appeal.person_id != person_id:
        raise NotFound(f"no appeal {appeal.id}", code="appeal-not-found")


def rate(session: Session, appeal: Appeal, person_id: int, rating: int, actor: Actor) -> None:
    _reporter(appeal, person_id)
    if rating not in RATINGS:
        raise Invalid("the rating goes from 1 to 5", code="bad-rating", field="rating")
    if appeal.status != CLOSED:
        raise Conflict("an appeal can be rated once it has a reply", code="not-closed")
    if appeal.rating is not None:
        raise Conflict("this reply has been rated already", code="already-rated")
    now = utcnow()
    appeal.rating = rating
    appeal.rated_at = now
    step(session, appeal, "rated", actor, now, note=str(rating), detail={"rating": rating})


def reopen(session: Session, appeal: Appeal, person_id: int, reason: str, actor: Actor) -> None:
    """A dissatisfied citizen sends the appeal back to the department, once."""
    _reporter(appeal, person_id)
    if appeal.status != CLOSED or appeal.rating is None:
        raise Conflict("rate the reply first", code="not-rated")
    if appeal.rating > DISSATISFIED_UP_TO:
        raise Conflict("only a dissatisfied rating can reopen an appeal", code="not-dissatisfied")
    if appeal.reopen_count >= MAX_REOPENS:
        raise Conflict("this appeal has been reopened once already", code="reopened-already")
    reason = reason.strip()
    if not reason:
        raise Invalid("say what is still wrong", code="missing-reason", field="reason")
    now = utcnow()
    category = get_category(session, appeal.category_code)
    days = category.days_urgent if appeal.urgency == "urgent" else category.days_normal
    appeal.reopen_count += 1
    appeal.status = ACCEPTED if appeal.department_id else PENDING
    appeal.is_open = True
    appeal.closed_at = None
    appeal.on_time = None
    appeal.handling_seconds = None
    appeal.rating = None
    appeal.rated_at = None
    appeal.reminded_at = None
    appeal.escalated_at = None
    appeal.due_at = load_calendar(session).deadline(now, days)
    step(session, appeal, "reopened", actor, now, note=reason)
