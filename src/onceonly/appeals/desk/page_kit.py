"""What the appeal pages share: labels for statuses and timeline steps, the lookups
every page shows, and running a form's action."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onceonly.appeals.models import Appeal
from onceonly.appeals.workflow import ratings, routing
from onceonly.core.calendar import CHINA_TZ
from onceonly.core.errors import Problem
from onceonly.identity import queries as identity_queries
from onceonly.identity.models import Department
from onceonly.web.i18n import current_locale
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import flash, redirect

STATUS_LABELS = {
    "pending": "At the hotline desk",
    "dispatched": "Sent to a department",
    "accepted": "Being handled",
    "closed": "Answered",
    "merged": "Merged with another appeal",
}
EVENT_LABELS = {
    "submitted": "Submitted",
    "dispatched": "Dispatched",
    "overridden": "Re-dispatched by the desk",
    "accepted": "Accepted",
    "returned": "Returned to the desk",
    "note": "Progress note",
    "reminded": "Reminder sent",
    "escalated": "Escalated",
    "merged": "Merged as a duplicate",
    "duplicate": "Duplicate filed here",
    "reply": "Reply",
    "rated": "Rated",
    "reopened": "Reopened",
}


def department_of(session: Session, appeal: Appeal) -> Department | None:
    if appeal.department_id is None:
        return None
    return identity_queries.department(session, appeal.department_id)


def common(session: Session) -> dict[str, object]:
    regions = identity_queries.regions(session)
    categories = routing.list_categories(session, active_only=False)
    chinese = current_locale.get() == "zh_CN"
    return {
        "categories": [c for c in categories if c.active],
        "category_names": {c.code: c.name if chinese else c.name_en for c in categories},
        "regions": regions,
        "status_labels": STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "ratings": ratings.RATINGS,
        "local": lambda value: (
            value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else ""
        ),
    }


def act(request: Request, back: str, action: Callable[[], object], done: str) -> Response:
    """Run a form's action; a refused step comes back as a message, not a crash."""
    try:
        action()
    except Problem as problem:
        if problem.status >= 500 or problem.status in (401, 404):
            raise
        flash(request, _(problem.detail), "error")
        return redirect(back)
    return redirect(back, request, done)
