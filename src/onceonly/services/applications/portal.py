"""The applicant's pages: start an item or a life event, see what was fetched and from
whom, give only what is missing, confirm and submit; follow the status timeline,
answer a correction, read notifications."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from onceonly.core.deps import CurrentCitizen, DbSession, get_db
from onceonly.core.edge import UPLOAD_BYTES
from onceonly.core.errors import Invalid, Problem
from onceonly.identity import queries as identity_queries
from onceonly.services.applications import applications, duplicates, evidence, starting
from onceonly.services.casework import notify
from onceonly.services.disputes import pages as dispute_pages
from onceonly.services.items import service as catalog
from onceonly.services.items.labels import labels
from onceonly.services.materials import service as material_store
from onceonly.services.models import Application, LifeEvent, ServiceItem
from onceonly.services.payments import pages as payment_pages
from onceonly.services.visits import pages as visit_pages
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import attempt, flash, problem_text, redirect, refuse, render

# Mounted by pages.py, whose router checks the CSRF token of every unsafe request.
router = APIRouter(include_in_schema=False)
nav.register("portal", "My applications", "/portal/applications", order=11)
nav.register("portal", "Notifications", "/portal/notifications", order=12)

ALREADY_APPLIED = (
    "You already applied for this. Continue that application, or confirm that you want another."
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@router.get("/portal/apply")
def apply_form(
    request: Request,
    session: DbSession,
    citizen: CurrentCitizen,
    item: str = "",
    bundle: str = "",
) -> Response:
    """What starting will do: which materials are fetched from whom, which are asked."""
    title: LifeEvent | ServiceItem
    if bundle:
        found = catalog.get_bundle(session, bundle)
        items, title = catalog.bundle_items(found), found
    elif item:
        one = catalog.get_item(session, item)
        items, title = [one], one
    else:
        raise Invalid(_("Choose a service or a life event to apply for."))
    plan = starting.plan_materials(items)
    applicant = applications.applicant_of(session, citizen)
    return render(
        request,
        "services/apply.html",
        {
            **labels(),
            "earlier": duplicates.earlier_applications(session, applicant.code, items),
            "thing": title,
            "steps": items,
            "plan": plan,
            "item_code": item if not bundle else "",
            "bundle_code": bundle,
            "acting_for": citizen.entity_name,
            "regions": identity_queries.regions(session, below_province=True),
        },
    )


@router.post("/portal/apply")
def apply(
    request: Request,
    session: DbSession,
    citizen: CurrentCitizen,
    item_code: Annotated[str, Form()] = "",
    bundle_code: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    again: Annotated[str, Form()] = "",
) -> Response:
    applicant = applications.applicant_of(session, citizen)
    try:
        application = starting.start(
            session,
            applicant,
            item_code=item_code or None,
            bundle_code=bundle_code or None,
            region_code=region_code or None,
            db=get_db(request),
            settings=request.app.state.settings,
            again=bool(again),
        )
    except Problem as problem:
        again_please = problem.code == "already-applied"
        flash(request, _(ALREADY_APPLIED) if again_please else _(problem.detail), "error")
        target = f"bundle={bundle_code}" if bundle_code else f"item={item_code}"
        return redirect(f"/portal/apply?{target}")
    return redirect(f"/portal/applications/{application.ref}")


@router.get("/portal/applications")
def my_applications(request: Request, session: DbSession, citizen: CurrentCitizen) -> Response:
    applicant = applications.applicant_of(session, citizen)
    return render(
        request,
        "services/my_applications.html",
        {**labels(), "applications": applications.list_for(session, applicant)},
    )


@router.get("/portal/applications/{ref}")
def application_page(
    request: Request, session: DbSession, citizen: CurrentCitizen, ref: str
) -> Response:
    application = applications.citizens_application(session, citizen, ref)
    fix = applications.correction_keys(application)
    cards = evidence.cards(session, application, application.materials)
    return render(
        request,
        "services/application.html",
        {
            **labels(),
            "application": application,
            "cards": cards,
            "given": {c.key: c for c in cards},
            "missing": applications.missing(application),
            "to_fix": fix,
            "events": applications.timeline(session, application),
            "email": application.email,
            "draft": application.status.value == "draft",
            "withdrawable": application.status.value in ("draft", "submitted"),
            "offers": material_store.offers(session, application),
            # A bundle's items can be withdrawn one by one once submitted.
            "one_by_one": application.status.value == "submitted" and len(application.cases) > 1,
            "ages": material_store.age_days,
            **dispute_pages.context(session, application),
            **visit_pages.trips_context(session, application),
            **payment_pages.bill_context(session, application),
        },
    )


async def _save(
    session: Session, application: Application, key: str, form: FormData, *, named: bool
) -> bool:
    """Save what the form gives for one material (`text`/`upload`, or with `named` the
    one-form names `text-<key>`/`upload-<key>`); False when it gives nothing for it."""
    text_name, file_name = (f"text-{key}", f"upload-{key}") if named else ("text", "upload")
    upload = form.get(file_name)
    if isinstance(upload, StarletteUpload) and upload.filename:
        content = await upload.read(applications.MAX_UPLOAD_BYTES + 1)
        applications.provide_upload(session, application, key, upload.filename, content)
        return True
    text = form.get(text_name)
    text = text if isinstance(text, str) else ""
    if named and not text.strip():
        return False  # the one form: a field left empty is not an answer yet
    applications.provide_text(session, application, key, text)
    return True


@router.post("/portal/applications/{ref}/materials/{key}", max_body_size=UPLOAD_BYTES)
async def provide(
    request: Request, session: DbSession, citizen: CurrentCitizen, ref: str, key: str
) -> Response:
    """One material. Through HTMX (a field that changed) the answer is its block again,
    saved or with the reason it was refused; otherwise back to the page."""
    application = applications.citizens_application(session, citizen, ref)
    back = f"/portal/applications/{ref}#m-{key}"
    form = await request.form()
    partial = request.headers.get("HX-Request") == "true"
    error = ""
    try:
        await _save(session, application, key, form, named=f"text-{key}" in form
                    or f"upload-{key}" in form)  # fmt: skip
    except Problem as problem:
        if not partial:
            return refuse(request, session, back, problem_text(problem))
        session.rollback()
        application = applications.citizens_application(session, citizen, ref)
        error = _(problem.detail)
    if not partial:
        return redirect(back, request, _("Saved."))
    session.flush()
    target = applications.material(application, key)
    cards = evidence.cards(session, application, [target])
    context = {
        "application": application,
        "m": target,
        "error": error,
        "to_fix": applications.correction_keys(application),
        "given": {c.key: c for c in cards},
    }
    return render(request, "services/_material.html", context)


@router.post("/portal/applications/{ref}/materials", max_body_size=UPLOAD_BYTES)
async def provide_all(
    request: Request, session: DbSession, citizen: CurrentCitizen, ref: str
) -> Response:
    """The one materials form sent whole (without scripts): everything given is saved, or,
    if any of it is refused, nothing is."""
    application = applications.citizens_application(session, citizen, ref)
    back = f"/portal/applications/{ref}#asked"
    form = await request.form()
    saved = 0
    try:
        for material in list(application.materials):
            saved += await _save(session, application, material.key, form, named=True)
    except Problem as problem:
        return refuse(request, session, back, problem_text(problem))
    return redirect(back, request, _("Saved.") if saved else _("Nothing new to save."))


@router.post("/portal/applications/{ref}/submit")
def submit(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    citizen: CurrentCitizen,
    ref: str,
    confirmed: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
) -> Response:
    application = applications.citizens_application(session, citizen, ref)
    back = f"/portal/applications/{ref}"
    email = email.strip()
    if email and not EMAIL.match(email):
        flash(request, _("That e-mail address does not look right."), "error")
        return redirect(back)
    gaps = applications.missing(application)
    if confirmed and gaps:
        names = "、".join(m.name for m in gaps)
        flash(request, _("Still missing: %(names)s", names=names), "error")
        return redirect(back)
    if email:
        application.email = email
    try:
        applications.submit(session, application, confirmed=bool(confirmed))
        material_store.keep_given(session, application)
    except Problem as problem:
        unticked = problem.code == "not-confirmed"
        tick = _("Tick the box to confirm the fetched data first.")
        return refuse(request, session, back, tick if unticked else problem_text(problem))
    notify.deliver_later(request, background)
    return redirect(back, request, _("Submitted. Each department has your application now."))


@router.post("/portal/applications/{ref}/resubmit")
def resubmit(request: Request, session: DbSession, citizen: CurrentCitizen, ref: str) -> Response:
    application = applications.citizens_application(session, citizen, ref)

    def resend() -> None:
        applications.resubmit(session, application)
        material_store.keep_given(session, application)

    back = f"/portal/applications/{ref}"
    return attempt(request, session, resend, back, _("Sent back to the department."))


@router.post("/portal/applications/{ref}/withdraw")
def withdraw(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    citizen: CurrentCitizen,
    ref: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    application = applications.citizens_application(session, citizen, ref)

    def withdraw_all() -> None:
        applications.withdraw(session, application, reason)
        notify.deliver_later(request, background)

    back = f"/portal/applications/{ref}"
    done = _("Withdrawn. The departments will not handle it further.")
    return attempt(request, session, withdraw_all, back, done)


@router.get("/portal/notifications")
def notifications(request: Request, session: DbSession, citizen: CurrentCitizen) -> Response:
    notes = notify.for_person(session, citizen.person_id)
    unread = {n.id for n in notes if n.read_at is None}
    notify.mark_read(session, citizen.person_id)
    return render(request, "services/notifications.html", {"notes": notes, "unread": unread})
