"""The shell's own pages: home, about, and the reader's preferences."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from onceonly.core.deps import csrf_protect
from onceonly.core.errors import Invalid
from onceonly.web.i18n import LOCALES
from onceonly.web.templating import redirect, render, safe_next

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
ONE_YEAR = 365 * 24 * 3600


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "web/home.html")


@router.get("/prefs")
def preferences(
    request: Request,
    lang: str | None = None,
    elder: int | None = Query(default=None, ge=0, le=1),
    next: str | None = None,
) -> Response:
    """Language and elder mode are kept in cookies, so they persist across visits."""
    if lang is not None and lang not in LOCALES:
        raise Invalid(
            f"unknown language {lang!r}; choose one of {', '.join(LOCALES)}", field="lang"
        )
    response = redirect(safe_next(next))
    if lang is not None:
        response.set_cookie("lang", lang, max_age=ONE_YEAR, samesite="lax")
    if elder is not None:
        response.set_cookie("elder", str(elder), max_age=ONE_YEAR, samesite="lax")
    return response
