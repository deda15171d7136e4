"""Server-rendered pages: one Jinja environment over every domain's `templates/`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from onceonly import __version__
from onceonly.core.calendar import CHINA_TZ
from onceonly.core.deps import csrf_token, session_citizen
from onceonly.core.errors import Problem
from onceonly.core.registry import domain_packages
from onceonly.web import nav
from onceonly.web.charts import chart_height
from onceonly.web.i18n import LOCALES, current_locale, gettext, local, ngettext


def _loaders() -> list[PackageLoader]:
    loaders = []
    for package in domain_packages():
        try:
            loaders.append(PackageLoader(package, "templates"))
        except (ValueError, ModuleNotFoundError):
            continue  # the domain has no templates (yet)
    return loaders


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader(_loaders()),
        autoescape=select_autoescape(),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(version=__version__, locales=LOCALES)
    env.filters["localtime"] = localtime
    env.globals["chart_height"] = chart_height
    env.globals["localized"] = local
    return Jinja2Templates(env=env)


def localtime(value: datetime | None) -> str:
    """A stored (UTC) time as people here read it: China time, to the minute."""
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a relative path on this site (with its query string): an open redirect would
    help phishing. Browsers read a backslash as a slash (`/\\evil.example`), and
    control characters can smuggle either, so both are refused."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)
    ):
        return default
    return target


def here(request: Request) -> str:
    """The current page as a return address: its path and query string, URL-encoded."""
    query = request.url.query
    return quote(request.url.path + (f"?{query}" if query else ""), safe="")


def base_context(request: Request) -> dict[str, Any]:
    staff = request.session.get("staff")
    roles = staff["roles"] if staff else []
    area = (
        "console"
        if request.url.path.startswith("/console")
        else ("workbench" if request.url.path.startswith("/workbench") else "portal")
    )
    return {
        "request": request,
        "here": here(request),
        "staff": staff,
        "citizen": session_citizen(request),
        "lang": current_locale.get(),
        "elder": request.cookies.get("elder") == "1",
        "csrf_token": csrf_token(request),
        "area": area,
        "nav": {a: nav.items(a, roles) for a in nav.AREAS},
        "areas": nav.AREAS,
        "flash": request.session.pop("flash", None),
        "demo_mode": request.app.state.settings.demo_mode,
    }


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    data = base_context(request)
    data.update(context or {})
    return templates().TemplateResponse(request, template, data, status_code=status_code)


def flash(request: Request, message: str, kind: str = "info") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def redirect(path: str, request: Request | None = None, message: str | None = None) -> Response:
    if request is not None and message:
        flash(request, message)
    return RedirectResponse(path, status_code=303)


def problem_text(problem: Problem) -> str:
    """Why a change was refused, in the reader's language."""
    return gettext(problem.detail)


def refuse(request: Request, session: Session, back: str, message: str) -> Response:
    """A form's change was refused: keep nothing of it and say why on the page it came
    from (the request's transaction commits whatever is left)."""
    session.rollback()
    flash(request, message, "error")
    return redirect(back)


def attempt(
    request: Request,
    session: Session,
    change: Callable[[], object],
    back: str,
    done: str,
    why: Callable[[Problem], str] = problem_text,
) -> Response:
    """Make a form's change and go `back` saying `done`; a refused one (a `Problem`) is
    undone and told there in `why`'s words."""
    try:
        change()
    except Problem as problem:
        return refuse(request, session, back, why(problem))
    return redirect(back, request, done)


def problem_page(request: Request, problem: Problem) -> Response:
    """Errors shown to people: a readable page, the same status code, no internals."""
    if problem.status == 401 and problem.extra.get("sign_in"):
        return redirect(f"{problem.extra['sign_in']}?next={here(request)}")
    if problem.extra.get("go_to"):  # e.g. a forced password change comes first
        return redirect(str(problem.extra["go_to"]))
    return render(request, "errors/problem.html", {"problem": problem}, status_code=problem.status)
