"""FastAPI dependencies shared by every domain: the session, who is calling, CSRF."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.errors import Forbidden, Unauthorized


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns normally."""
    with get_db(request).session() as session:
        yield session


# scope="function": the transaction commits before the response is sent, so the page a
# redirect leads to (or the client's next call) sees what this request wrote.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
# For a response streamed from the session (a long CSV): it stays open until the end.
StreamingSession = Annotated[Session, Depends(get_session, scope="request")]


# Callers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Citizen:
    """A person signed in to the portal, optionally acting for a legal entity."""

    person_id: int
    id_number: str
    name: str
    entity_id: int | None = None
    entity_code: str | None = None
    entity_name: str | None = None

    @property
    def actor(self) -> Actor:
        if self.entity_id is not None:
            return Actor("entity", str(self.entity_id), self.entity_name or "")
        return Actor("person", str(self.person_id), self.name)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def session_user_id(request: Request) -> int | None:
    value = request.session.get("uid")
    return int(value) if value is not None else None


def session_citizen(request: Request) -> Citizen | None:
    data = request.session.get("citizen")
    return Citizen(**data) if data else None


def require_citizen(request: Request) -> Citizen:
    citizen = session_citizen(request)
    if citizen is None:
        raise Unauthorized(
            "sign in to the portal first", code="not-signed-in", sign_in="/portal/sign-in"
        )
    return citizen


CurrentCitizen = Annotated[Citizen, Depends(require_citizen)]


# CSRF -------------------------------------------------------------------------------

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


async def csrf_protect(request: Request) -> None:
    """For page routers: an unsafe request must echo the session's token."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise Forbidden(
            "the form has expired or did not come from this site; reload the page",
            code="csrf-failed",
        )


def page_guards() -> list[Callable[..., object]]:
    return [csrf_protect]
