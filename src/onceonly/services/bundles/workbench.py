"""The workbench's item and bundle administration: create an item (then keep its guide
in the guide editor), list, create and edit life-event bundles. A refused form comes
back as typed with every error beside it; nothing of it is saved."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from onceonly.core.deps import DbSession
from onceonly.core.errors import Invalid, Problem
from onceonly.identity import service as identity
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Department, User
from onceonly.services.bundles import admin
from onceonly.services.items import service
from onceonly.services.items.labels import labels
from onceonly.services.models import ItemKind, LifeEvent, SubjectKind
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import redirect, render

# Mounted by services/pages.py, whose router checks the CSRF token of every unsafe request.
router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(staff_with(*admin.ADMIN_ROLES))]
nav.register("workbench", "Service bundles", "/workbench/services/bundles",
             roles=admin.ADMIN_ROLES, order=41)  # fmt: skip
BLANK_ITEM_ROWS = 3
M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], values: dict[str, Any]) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]}
                  for e in exc.errors()]  # fmt: skip
        raise Invalid("not saved", code="bad-form", errors=errors) from None


def _errors(problem: Problem | None) -> list[dict[str, str]]:
    if problem is None:
        return []
    return list(problem.extra.get("errors") or [{"field": "", "reason": _(problem.detail)}])


def _choices(session: Session) -> dict[str, Any]:
    subject_names = {"person": _("A person"), "entity": _("A company or organisation")}
    return {**labels(), "kinds": list(ItemKind), "subjects": list(SubjectKind),
            "subject_names": subject_names}  # fmt: skip


def _item_form(
    request: Request, session: Session, values: dict[str, Any], problem: Problem | None = None
) -> Response:
    context = {**_choices(session), "values": values, "errors": _errors(problem),
               "departments": identity.list_departments(session)}  # fmt: skip
    status = problem.status if problem else 200
    return render(request, "bundles/item_new.html", context, status_code=status)


@router.get("/workbench/services/items/new")
def new_item_form(request: Request, session: DbSession, user: Admin) -> Response:
    department = session.get(Department, user.department_id) if user.department_id else None
    values = {"kind": ItemKind.PUBLIC_SERVICE.value, "subject": SubjectKind.PERSON.value,
              "department": department.code if department else ""}  # fmt: skip
    return _item_form(request, session, values)


@router.post("/workbench/services/items/new")
async def new_item(request: Request, session: DbSession, user: Admin) -> Response:
    form = await request.form()
    fields = ("code", "basic_code", "name", "name_en", "department", "kind", "subject", "keywords")
    values = {name: str(form.get(name, "")).strip() for name in fields}
    try:
        spec = _parse(admin.ItemIn, values)
        item = admin.create_item(session, user, spec, identity.actor_for_user(user))
    except Problem as problem:
        session.rollback()
        return _item_form(request, session, values, problem)
    message = _("The item is created. Now write its guide and list its materials.")
    return redirect(f"/workbench/services/items/{item.code}/edit", request, message)


@router.get("/workbench/services/bundles")
def bundles_page(request: Request, session: DbSession, user: Admin) -> Response:
    context = {**labels(), "bundles": admin.list_bundles(session)}
    return render(request, "bundles/list.html", context)


def _bundle_values(bundle: LifeEvent) -> dict[str, Any]:
    return {
        "code": bundle.code, "name": bundle.name, "name_en": bundle.name_en,
        "description": bundle.description, "subject": bundle.subject.value,
        "promised_days": "" if bundle.promised_days is None else str(bundle.promised_days),
        "active": bundle.active, "items": [e.item.code for e in bundle.entries],
    }  # fmt: skip


def _typed_bundle(form: FormData) -> dict[str, Any]:
    names = ("code", "name", "name_en", "description", "subject", "promised_days")
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in names}
    values["active"] = form.get("active") == "1"
    values["items"] = [str(code) for code in form.getlist("items") if str(code).strip()]
    return values


def _bundle_form(
    request: Request, session: Session, values: dict[str, Any], bundle: LifeEvent | None,
    problem: Problem | None = None,
) -> Response:  # fmt: skip
    context = {
        **_choices(session), "values": values, "bundle": bundle, "errors": _errors(problem),
        "item_choices": service.list_items(session), "blank_rows": range(BLANK_ITEM_ROWS),
        "gaps": admin.bundle_gaps(session, bundle) if bundle is not None and not problem else {},
    }  # fmt: skip
    status = problem.status if problem else 200
    return render(request, "bundles/form.html", context, status_code=status)


async def _save(
    request: Request, session: Session, user: User, bundle: LifeEvent | None
) -> Response:
    values = _typed_bundle(await request.form())
    parsed = {k: v for k, v in values.items() if not (k == "promised_days" and v == "")}
    try:
        spec = _parse(admin.BundleIn, parsed)
        saved = admin.save_bundle(session, user, spec, identity.actor_for_user(user), bundle)
    except Problem as problem:
        session.rollback()
        return _bundle_form(request, session, values, bundle, problem)
    return redirect(f"/workbench/services/bundles/{saved.code}/edit", request,
                    _("The bundle is saved."))  # fmt: skip


@router.get("/workbench/services/bundles/new")
def new_bundle_form(request: Request, session: DbSession, user: Admin) -> Response:
    values = {"subject": SubjectKind.PERSON.value, "active": True, "items": []}
    return _bundle_form(request, session, values, None)


@router.post("/workbench/services/bundles/new")
async def new_bundle(request: Request, session: DbSession, user: Admin) -> Response:
    return await _save(request, session, user, None)


@router.get("/workbench/services/bundles/{code}/edit")
def edit_bundle_form(code: str, request: Request, session: DbSession, user: Admin) -> Response:
    bundle = admin.get_bundle(session, code)
    return _bundle_form(request, session, _bundle_values(bundle), bundle)


@router.post("/workbench/services/bundles/{code}/edit")
async def edit_bundle(code: str, request: Request, session: DbSession, user: Admin) -> Response:
    return await _save(request, session, user, admin.get_bundle(session, code))
