"""The workbench's guide editor: a department fixes an item's guide elements and says
where each material comes from. A refused form comes back as typed, every error beside
it; nothing of it is saved."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from onceonly.catalog import service as catalog
from onceonly.core.deps import DbSession
from onceonly.core.errors import Invalid
from onceonly.identity import service as identity
from onceonly.identity.deps import staff_with
from onceonly.identity.models import User
from onceonly.services.items import guides, service
from onceonly.services.items.labels import labels
from onceonly.services.models import ServiceItem, SourceKind
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import redirect, render

# Mounted by pages.py, whose router checks the CSRF token of every unsafe request.
router = APIRouter(include_in_schema=False)
Editor = Annotated[User, Depends(staff_with(*guides.EDITOR_ROLES))]
BLANK_MATERIAL_ROWS = 2
TEXTS = ("legal_basis", "conditions", "fees", "places", "phone")
NUMBERS = ("statutory_days", "promised_days", "online_depth", "max_trips")
# Fields of an exchange material may be listed with commas, 、 or spaces.
FIELD_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _typed(form: FormData) -> dict[str, Any]:
    """The form as typed, materials zipped from parallel lists (a row without a key is
    blank; "remove" drops the row)."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in TEXTS + NUMBERS}
    values["cross_region"] = form.get("cross_region") == "1"
    columns = ("key", "name", "use", "source", "licence", "resource", "fields", "note")
    rows = zip(*(form.getlist(f"m_{c}") for c in columns), strict=False)
    values["materials"] = [
        {
            "key": str(key).strip(),
            "name": str(name).strip(),
            "required": use != "optional",
            "source_kind": str(source) or None,
            "licence_type": str(licence).strip(),
            "resource_code": str(resource).strip(),
            "fields": [f for f in FIELD_SEPARATORS.split(str(fields)) if f],
            "note": str(note),
        }
        for key, name, use, source, licence, resource, fields, note in rows
        if str(key).strip() and use != "remove"
    ]
    return values


def _guide(values: dict[str, Any]) -> guides.GuideIn:
    data = {k: v for k, v in values.items() if not (k in NUMBERS and v == "")}
    try:
        return guides.GuideIn.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        raise Invalid("the guide was not saved", code="bad-guide", errors=errors) from None


def _values_of(item: ServiceItem) -> dict[str, Any]:
    values = guides.guide_of(item).model_dump(mode="json")
    for name in NUMBERS:
        values[name] = "" if values[name] is None else str(values[name])
    return values


def _form(
    request: Request,
    session: Session,
    item: ServiceItem,
    values: dict[str, Any],
    problem: Invalid | None = None,
) -> Response:
    resources = catalog.list_resources(session)  # also the form's list of codes
    context = {
        **labels(),
        "item": item,
        "values": values,
        "sources": list(SourceKind),
        "resources": resources,
        "blank_rows": range(BLANK_MATERIAL_ROWS),
        "gaps": service.item_gaps(item, {r.code: set(r.field_names) for r in resources}),
        "errors": (problem.extra.get("errors") or [{"field": "", "reason": problem.detail}])
        if problem
        else [],
    }
    return render(
        request, "services/guide_form.html", context, status_code=problem.status if problem else 200
    )


def _editable(session: Session, user: User, code: str) -> ServiceItem:
    item = service.get_item(session, code)
    guides.require_editor(session, user, item)
    return item


@router.get("/workbench/services/items/{code}/edit")
def edit_form(code: str, request: Request, session: DbSession, user: Editor) -> Response:
    item = _editable(session, user, code)
    return _form(request, session, item, _values_of(item))


@router.post("/workbench/services/items/{code}/edit")
async def edit(code: str, request: Request, session: DbSession, user: Editor) -> Response:
    item = _editable(session, user, code)
    values = _typed(await request.form())
    try:
        changed = guides.update(session, item, _guide(values), identity.actor_for_user(user))
    except Invalid as problem:
        session.rollback()
        return _form(request, session, item, values, problem)
    message = _("The guide is saved.") if changed else _("Nothing was changed.")
    return redirect(f"/workbench/services/items/{code}/edit", request, message)
