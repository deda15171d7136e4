"""The holder's side of a verifier's request: who asks for what, then approve or decline.

Opened on the same device (the verifier's site links here) or by scanning the request's
QR code on a phone (cross device); either way the answer goes to the verifier's
response_uri, and a same-device holder is sent back to the verifier if it says where.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.errors import Problem
from onceonly.licences.kinds import CLAIM_LABELS, LICENCE_TYPES
from onceonly.licences.presentation import service as verifiers
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
PAGE = "/portal/licences/requests/{request_id}"


def _holder(citizen: CurrentCitizen) -> str:
    return (citizen.entity_code or citizen.id_number).upper()


def _answered(request: Request, answer: dict[str, Any], approved: bool) -> Response:
    if answer.get("redirect_uri"):
        return redirect(answer["redirect_uri"])
    message = _("Sent to the verifier.") if approved else _("You declined the request.")
    return render(request, "licences/request_done.html", {"message": message})


@router.get(PAGE)
def request_page(
    request: Request, request_id: uuid.UUID, session: DbSession, citizen: CurrentCitizen
) -> Response:
    try:
        pending = verifiers.pending_for(session, str(request_id), _holder(citizen))
    except Problem as problem:
        return render(request, "licences/request_done.html", {"message": _(problem.detail)})
    context = {
        "pending": pending,
        "kind": LICENCE_TYPES[pending.request.type_code],
        "labels": CLAIM_LABELS,
        "host": pending.verifier.response_uri.split("/")[2],
    }
    return render(request, "licences/request.html", context)


@router.post(PAGE + "/approve")
def approve(
    request: Request,
    request_id: uuid.UUID,
    session: DbSession,
    citizen: CurrentCitizen,
    serial: Annotated[str, Form(max_length=40)],
) -> Response:
    answer = verifiers.approve(session, str(request_id), _holder(citizen), serial)
    return _answered(request, answer, approved=True)


@router.post(PAGE + "/decline")
def decline(
    request: Request, request_id: uuid.UUID, session: DbSession, citizen: CurrentCitizen
) -> Response:
    answer = verifiers.decline(session, str(request_id), _holder(citizen))
    return _answered(request, answer, approved=False)
