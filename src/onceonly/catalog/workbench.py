"""Workbench pages for the provider's stewards and for every department's staff:
register or edit a resource (a form with one row per field), import a sharing list with
its row-error report, export it, and data needs (post, answer, both sides' lists).

A form that breaks a rule is shown again with what was typed and every error beside it,
rather than the generic error page."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from onceonly.catalog import needs, service
from onceonly.catalog.labels import all_labels
from onceonly.catalog.models import FieldType, Frequency, OpenClass, Sensitivity, ShareClass
from onceonly.catalog.schemas import NeedAnswerIn, NeedIn, ResourceIn
from onceonly.catalog.transfer import exporting, importing, reading
from onceonly.core.db import utcnow
from onceonly.core.deps import DbSession
from onceonly.core.downloads import CSV_MEDIA_TYPE, attachment
from onceonly.core.edge import UPLOAD_BYTES
from onceonly.core.errors import Conflict, Forbidden, Invalid
from onceonly.core.params import Id
from onceonly.identity import service as identity
from onceonly.identity.deps import CurrentUser, staff_with
from onceonly.identity.models import Role, User
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import redirect, render

router = APIRouter()
Steward = Annotated[User, Depends(staff_with(*service.STEWARDS))]
STEWARD_ROLES = [Role.data_steward, Role.department_admin]
BLANK_FIELD_ROWS = 4

nav.register(
    "workbench", "Register a resource", "/workbench/catalog/register", roles=STEWARD_ROLES, order=11
)
nav.register(
    "workbench", "Import a sharing list", "/workbench/catalog/import", roles=STEWARD_ROLES, order=12
)
nav.register("workbench", "Data needs", "/workbench/catalog/needs", order=13)

OPTIONS = {
    "subject_types": ["person", "entity", "other"],
    "share_classes": [c.value for c in ShareClass],
    "open_classes": [c.value for c in OpenClass],
    "frequencies": [f.value for f in Frequency],
    "field_types": [t.value for t in FieldType],
    "sensitivities": [s.value for s in Sensitivity],
    "connector_kinds": ["sql", "http", "file"],
}


# Register and edit -------------------------------------------------------------------------


def _form_values(form: FormData) -> dict[str, Any]:
    """The form as typed, for showing it again; field rows zipped from parallel lists."""
    values: dict[str, Any] = {
        k: str(form.get(k, "")).strip()
        for k in (
            "code", "name", "description", "department", "subject_type", "key_field",
            "share_class", "open_class", "legal_basis", "update_frequency", "connector_kind",
            "connector_config", "tags",
        )
    }  # fmt: skip
    columns = [form.getlist(f"field_{c}") for c in ("name", "type", "sensitivity", "description")]
    values["fields"] = [
        {"name": str(n).strip(), "type": str(t), "sensitivity": str(s), "description": str(d)}
        for n, t, s, d in zip(*columns, strict=False)
        if str(n).strip()
    ]
    return values


def _spec(values: dict[str, Any]) -> ResourceIn:
    data = {k: v for k, v in values.items() if v != "" and k not in ("department", "tags")}
    data["tags"] = reading.split_list(values["tags"].replace("，", ";").replace(",", ";"))
    config = values["connector_config"] or "{}"
    try:
        data["connector_config"] = json.loads(config)
    except json.JSONDecodeError as exc:
        raise Invalid(
            "connector settings are not valid JSON",
            errors=[{"field": "connector_config", "reason": exc.msg}],
        ) from None
    try:
        return ResourceIn.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        raise Invalid("the resource is not complete", errors=errors) from None


def _values_of(resource: Any) -> dict[str, Any]:
    spec = exporting.to_in(resource)
    values = spec.model_dump(mode="json")
    values["tags"] = "; ".join(spec.tags)
    values["connector_config"] = json.dumps(spec.connector_config, ensure_ascii=False, indent=1)
    values["department"] = resource.department.code
    return values


def _form(
    request: Request,
    session: Session,
    user: User,
    values: dict[str, Any],
    *,
    editing: bool,
    problem: Invalid | Conflict | None = None,
) -> Response:
    context = {
        "values": values,
        "editing": editing,
        "options": OPTIONS,
        "labels": all_labels(),
        "blank_rows": range(BLANK_FIELD_ROWS),
        "departments": identity.list_departments(session) if user.is_platform_admin else [],
        "problem": problem,
        "errors": (problem.extra.get("errors") or [{"field": "", "reason": problem.detail}])
        if problem
        else [],
    }
    status = problem.status if problem else 200
    return render(request, "catalog/form.html", context, status_code=status)


def _save(
    request: Request,
    session: Session,
    user: User,
    values: dict[str, Any],
    write: Callable[[ResourceIn], object],
    *,
    editing: bool,
) -> Response:
    """Check the typed form and `write` it, then on to the resource; a refusal shows the
    form again with what was typed. The rules are checked before anything is written, so
    a refusal leaves nothing."""
    try:
        spec = _spec(values)
        write(spec)
    except (Invalid, Conflict) as problem:
        return _form(request, session, user, values, editing=editing, problem=problem)
    saved = _("The resource is saved.") if editing else _("The resource is registered.")
    return redirect(f"/catalog/{spec.code}", request, saved)


@router.get("/workbench/catalog/register")
def register_form(request: Request, session: DbSession, user: Steward) -> Response:
    values = {"subject_type": "person", "share_class": "conditional", "open_class": "not_open",
              "update_frequency": "daily", "connector_kind": "sql", "fields": []}  # fmt: skip
    return _form(request, session, user, values, editing=False)


@router.post("/workbench/catalog/register")
async def register(request: Request, session: DbSession, user: Steward) -> Response:
    values = _form_values(await request.form())
    department = user.department
    if values["department"] and user.is_platform_admin:
        department = identity.department_by_code(session, values["department"])

    def write(spec: ResourceIn) -> object:
        return service.register_resource(session, spec, department, identity.actor_for_user(user))

    return _save(request, session, user, values, write, editing=False)


@router.get("/workbench/catalog/{code}/edit")
def edit_form(code: str, request: Request, session: DbSession, user: Steward) -> Response:
    resource = service.get_resource(session, code)
    service.require_steward(user, resource.department_id)
    return _form(request, session, user, _values_of(resource), editing=True)


@router.post("/workbench/catalog/{code}/edit")
async def edit(code: str, request: Request, session: DbSession, user: Steward) -> Response:
    resource = service.get_resource(session, code)
    service.require_steward(user, resource.department_id)
    values = _form_values(await request.form()) | {"code": code}

    def write(spec: ResourceIn) -> object:
        return service.update_resource(session, code, spec, identity.actor_for_user(user))

    return _save(request, session, user, values, write, editing=True)


# Import and export -------------------------------------------------------------------------


@router.get("/workbench/catalog/import")
def import_form(request: Request, user: Steward) -> Response:
    return render(request, "catalog/import.html", {"report": None, "filename": ""})


@router.post("/workbench/catalog/import", max_body_size=UPLOAD_BYTES)
async def import_list(request: Request, session: DbSession, user: Steward) -> Response:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid(_("Choose a CSV or JSON file to import."), field="file")
    data = await upload.read()
    fmt: reading.Format = "json" if upload.filename.lower().endswith(".json") else "csv"
    dry_run = form.get("dry_run") == "1"
    try:
        report = importing.import_resources(
            session,
            data,
            fmt,
            identity.actor_for_user(user),
            department_ids=service.stewarded_departments(user),
            dry_run=dry_run,
        )
    except importing.ImportRejected as rejected:
        context = {"report": rejected.report, "filename": upload.filename}
        return render(request, "catalog/import.html", context, status_code=422)
    return render(request, "catalog/import.html", {"report": report, "filename": upload.filename})


@router.get("/workbench/catalog/export")
def export_list(session: DbSession, user: Steward, format: str = "csv") -> Response:
    fmt: reading.Format = "json" if format == "json" else "csv"
    scope = service.stewarded_departments(user)
    department_id = None if scope is None else next(iter(scope))
    resources = service.list_resources(session, department_id=department_id)
    media_type = "application/json" if fmt == "json" else CSV_MEDIA_TYPE
    return attachment(exporting.export_resources(resources, fmt), f"sharing-list.{fmt}", media_type)


# Data needs --------------------------------------------------------------------------------


def _need_context(**extra: object) -> dict[str, object]:
    return {"labels": all_labels(), "now": utcnow(), **extra}


@router.get("/workbench/catalog/needs")
def needs_list(request: Request, session: DbSession, user: CurrentUser) -> Response:
    rows = needs.list_needs(session, department_id=user.department_id)
    context = _need_context(
        asked=[n for n in rows if n.provider_id == user.department_id],
        posted=[n for n in rows if n.requester_id == user.department_id],
        overdue=needs.overdue_needs(session)
        if user.roles & {Role.platform_admin, Role.auditor}
        else [],
    )
    return render(request, "catalog/needs.html", context)


@router.get("/workbench/catalog/needs/new")
def need_form(request: Request, session: DbSession, user: CurrentUser) -> Response:
    departments = [d for d in identity.list_departments(session) if d.id != user.department_id]
    return render(request, "catalog/need_new.html", {"departments": departments})


@router.post("/workbench/catalog/needs/new")
async def post_need(request: Request, session: DbSession, user: CurrentUser) -> Response:
    form = await request.form()
    wanted = str(form.get("fields_wanted", "")).replace("，", ",").replace(";", ",")
    spec = NeedIn(
        title=str(form.get("title", "")),
        description=str(form.get("description", "")),
        provider_code=str(form.get("provider_code", "")),
        fields_wanted=wanted.split(","),
        purpose=str(form.get("purpose", "")),
    )
    need = needs.post_need(session, spec, user)
    return redirect(f"/workbench/catalog/needs/{need.id}", request, _("Your need is posted."))


@router.get("/workbench/catalog/needs/{need_id}")
def need_detail(need_id: Id, request: Request, session: DbSession, user: CurrentUser) -> Response:
    need = needs.get_need(session, need_id)
    if not needs.can_see(user, need):
        raise Forbidden(_("This need is between other departments."))
    answerable = needs.can_answer(user, need) and need.status.value in ("open", "answered")
    resources = service.list_resources(session, department_id=need.provider_id)
    context = _need_context(need=need, answerable=answerable, resources=resources)
    return render(request, "catalog/need.html", context)


@router.post("/workbench/catalog/needs/{need_id}/answer")
async def answer_need(
    need_id: Id, request: Request, session: DbSession, user: CurrentUser
) -> Response:
    form = await request.form()
    answer = NeedAnswerIn(
        provide=form.get("provide") == "1",
        resource_code=str(form.get("resource_code", "")) or None,
        note=str(form.get("note", "")),
    )
    needs.answer_need(session, needs.get_need(session, need_id), answer, user)
    return redirect(f"/workbench/catalog/needs/{need_id}", request, _("Your answer is recorded."))
