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
from onceonly.web.templating import flash, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
# Wrong current passwords one session may give before it is signed out: someone who
# found a signed-in screen cannot keep guessing (the count lives in the server-side
# session, so it holds across app processes).
MAX_WRONG_CURRENT = 5
WRONG_CURRENT = "wrong_current_passwords"


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
        if problem.code == "bad-current-password" and _too_many_wrong(request):
            request.session.clear()
            flash(request, _("Too many wrong passwords: you were signed out."), "error")
            return redirect("/sign-in")
        context = {"forced": MUST_CHANGE in request.session, "error": _(problem.detail)}
        return render(request, "identity/password.html", context, status_code=problem.status)
    request.session.pop(MUST_CHANGE, None)
    request.session.pop(WRONG_CURRENT, None)
    message = _("Your password is changed; %(ended)s other sessions were signed out.", ended=ended)
    return redirect("/workbench", request, message)


def _too_many_wrong(request: Request) -> bool:
    wrong = int(request.session.get(WRONG_CURRENT, 0)) + 1
    request.session[WRONG_CURRENT] = wrong
    return wrong >= MAX_WRONG_CURRENT
