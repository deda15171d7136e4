"""A staff member's own account: changing the password (issue 20).

With `force_password_change` on, an account still holding the password it was given is
sent here at sign-in, and every staff page sends it back until it has chosen its own
(`identity.deps.require_user`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from onceonly.core.deps import DbSession, csrf_protect
from onceonly.core.errors import Invalid, Problem
from onceonly.core.sessions import COOKIE
from onceonly.identity import passwords
from onceonly.identity.deps import CurrentUser
from onceonly.identity.passwords import MUST_CHANGE, PASSWORD_PAGE
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get(PASSWORD_PAGE)
def password_form(request: Request, user: CurrentUser) -> Response:
    return render(request, "identity/password.html", {"forced": MUST_CHANGE in request.session})


@router.post(PASSWORD_PAGE)
def change_password(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    repeat_password: Annotated[str, Form(max_length=1024)],
) -> Response:
    try:
        if new_password != repeat_password:
            raise Invalid("The two new passwords differ.", field="repeat_password")
        ended = passwords.change_own(
            session, user, current_password, new_password, request.cookies.get(COOKIE)
        )
    except Problem as problem:
        context = {"forced": MUST_CHANGE in request.session, "error": _(problem.detail)}
        return render(request, "identity/password.html", context, status_code=problem.status)
    request.session.pop(MUST_CHANGE, None)
    message = _("Your password is changed; %(ended)s other sessions were signed out.", ended=ended)
    return redirect("/workbench", request, message)
