"""The citizen's "My materials" page, and reusing a stored material in an application."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from onceonly.core.deps import CurrentCitizen, DbSession
from onceonly.core.errors import Problem
from onceonly.core.params import Id
from onceonly.services.applications import applications
from onceonly.services.materials import service
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import attempt, render

# Mounted by services/pages.py, whose router checks the CSRF token of every unsafe request.
router = APIRouter(include_in_schema=False)
nav.register("portal", "My materials", "/portal/materials", order=13)


def refused(problem: Problem) -> str:
    """A refusal in the reader's language (the service's details name the material)."""
    said = {
        "stored-material-not-found": _("This stored material is not yours."),
        "wrong-stored-material": _("That stored material is for another material."),
        "stored-material-expired": _("That stored material has expired: give it again."),
    }
    return said.get(problem.code, _(problem.detail))


@router.get("/portal/materials")
def my_materials(request: Request, session: DbSession, citizen: CurrentCitizen) -> Response:
    applicant = applications.applicant_of(session, citizen)
    stored = service.mine(session, applicant)
    context = {
        "stored": stored,
        "ages": {s.id: service.age_days(s) for s in stored},
        "expired": {s.id for s in stored if service.is_expired(s)},
        "keep_days": service.KEEP_DAYS,
    }
    return render(request, "materials/mine.html", context)


@router.post("/portal/materials/{stored_id}/delete")
def delete(
    request: Request, session: DbSession, citizen: CurrentCitizen, stored_id: Id
) -> Response:
    applicant = applications.applicant_of(session, citizen)
    return attempt(
        request,
        session,
        lambda: service.remove(session, applicant, stored_id),
        "/portal/materials",
        _("Deleted. It will not be offered again."),
        refused,
    )


@router.post("/portal/applications/{ref}/materials/{key}/reuse")
def reuse(
    request: Request,
    session: DbSession,
    citizen: CurrentCitizen,
    ref: str,
    key: str,
    stored_id: Annotated[Id, Form()],
) -> Response:
    """The applicant chose to give a stored material again (their consent)."""
    applicant = applications.applicant_of(session, citizen)
    application = applications.own_application(session, ref, applicant)
    return attempt(
        request,
        session,
        lambda: service.reuse(session, application, key, stored_id, applicant),
        f"/portal/applications/{ref}#m-{key}",
        _("Used again. You can still change it."),
        refused,
    )
