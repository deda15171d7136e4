"""The authorisation matrix's probe: every route of the app, asked by each identity.

`probe` signs each identity in through the real forms, fills a route's path with
placeholder values and sends the request (with the identity's CSRF token on unsafe
methods, so that only authorisation can refuse it). A route counts as allowed for an
identity unless it answers 401 or 403."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import Mount, Route

from onceonly.core.sessions import COOKIE
from onceonly.identity.models import Person
from tests.helpers import CSRF, sign_in_citizen, sign_in_staff

IDENTITIES = (
    "anonymous",
    "resident",
    "other_resident",
    "own_staff",
    "other_staff",
    "auditor",
    "platform_admin",
)
STAFF_ACCOUNTS = {
    "own_staff": "hrss.admin",
    "other_staff": "hpf.admin",
    "auditor": "dsb.auditor",
    "platform_admin": "dsb.platform",
}
PLACEHOLDER = re.compile(r"{([^}:]+)(:[^}]+)?}")
SAFE = ("GET", "HEAD", "OPTIONS")


def routes(app: object) -> Iterator[str]:
    """'METHOD /path' for every route the app serves (API and pages, docs, static)."""
    for context in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if isinstance(route, Mount):
            yield f"GET {context.path}/{{path}}"
        elif isinstance(route, APIRoute | Route):
            for method in sorted(context.methods or ()):
                if method != "HEAD":
                    yield f"{method} {context.path}"


def _url(path: str) -> str:
    return PLACEHOLDER.sub(lambda m: "1" if m.group(1).endswith("_id") else "x", path)


@dataclass
class Caller:
    client: TestClient
    sign_in: Callable[[TestClient], None]
    cookie: str | None = None
    csrf: str = ""

    def start(self) -> None:
        self.client.cookies.clear()
        self.sign_in(self.client)
        match = CSRF.search(self.client.get("/sign-in").text)
        self.csrf = match.group(1) if match else ""
        self.cookie = self.client.cookies.get(COOKIE)

    def ask(self, method: str, path: str) -> int:
        self.client.cookies.clear()
        if self.cookie:
            self.client.cookies.set(COOKIE, self.cookie)
        headers = {"x-csrf-token": self.csrf} if method not in SAFE else {}
        response = self.client.request(method, _url(path), headers=headers, follow_redirects=False)
        if "/sign-" in path or f"{COOKIE}=" in response.headers.get("set-cookie", ""):
            self.start()  # the request signed in or out, or rotated the session
        return response.status_code


def callers(client: TestClient) -> dict[str, Caller]:
    with client.app.state.db.session() as session:  # type: ignore[attr-defined]
        first, second = session.scalars(select(Person.id_number).order_by(Person.id).limit(2))
    sign_ins: dict[str, Callable[[TestClient], None]] = {
        "anonymous": lambda c: None,
        "resident": lambda c: sign_in_citizen(c, first),
        "other_resident": lambda c: sign_in_citizen(c, second),
    }
    for name, username in STAFF_ACCOUNTS.items():
        sign_ins[name] = lambda c, u=username: sign_in_staff(c, u)  # type: ignore[misc]
    result = {}
    for name in IDENTITIES:
        caller = Caller(TestClient(client.app), sign_ins[name])
        caller.start()
        result[name] = caller
    return result


def allowed(status: int) -> bool:
    return status not in (401, 403)
