"""The workbench page where a data steward creates and revokes their CKAN API tokens;
a new token is shown once, on the page that created it, and never stored readable."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.errors import Problem
from onceonly.identity.deps import staff_with
from onceonly.identity.models import User
from onceonly.opendata.ckan import tokens
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import attempt, problem_text, refuse, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
Publisher = Annotated[User, Depends(staff_with(*tokens.PUBLISHERS))]
PAGE = "/workbench/opendata/api-tokens"

nav.register("workbench", "CKAN API tokens", PAGE, roles=tokens.PUBLISHERS, order=62)


def _page(request: Request, session: DbSession, user: User, new_token: str = "") -> Response:
    rows = tokens.list_for(session, user)
    example = f"ckanapi action package_list -r {request.base_url} -a <token>"
    context = {"tokens": rows, "new_token": new_token, "example": example}
    return render(request, "opendata/api_tokens.html", context)


@router.get(PAGE)
def token_page(request: Request, session: DbSession, user: Publisher) -> Response:
    return _page(request, session, user)


@router.post(PAGE)
def create_token(
    request: Request,
    session: DbSession,
    user: Publisher,
    name: Annotated[str, Form(max_length=tokens.MAX_NAME)] = "",
) -> Response:
    try:
        _, token = tokens.create(session, user, name, user)
    except Problem as problem:
        return refuse(request, session, PAGE, problem_text(problem))
    return _page(request, session, user, new_token=token)


@router.post(PAGE + "/{token_id}/revoke")
def revoke_token(
    request: Request, session: DbSession, user: Publisher, token_id: uuid.UUID
) -> Response:
    return attempt(
        request,
        session,
        lambda: tokens.revoke(session, str(token_id), user),
        PAGE,
        _("The token is revoked."),
    )
