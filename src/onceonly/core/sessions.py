"""Server-side page sessions: the cookie holds a random id, the data lives in a table.

Every app process reads the same `web_sessions` table, so a session works across
workers and ends everywhere at once. The cookie carries nothing but 32 random bytes; the
table keeps only their SHA-256, so a copy of the database opens no session.

- `request.session` is a plain dict, as with Starlette's cookie sessions.
- When the signed-in person changes (sign-in, switching to a company) the session gets
  a new id and the old one is deleted (no fixation).
- An emptied session (sign-out clears it) is deleted, so a cookie saved earlier opens
  nothing; `end_for_user` ends every session of a staff account (password change).
- A session ends after `idle` seconds without a request and `max_age` after it began.
- An unsafe request (POST …) that carries the cookie must come from this site: a
  cross-site `Origin`, `Referer` or `Sec-Fetch-Site` is refused with 403 before any route.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import JSON, BigInteger, String, delete, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request

from onceonly.core import errors
from onceonly.core.db import Base, Database, utcnow
from onceonly.core.edge import ASGIApp, HttpOnly, Message, Receive, Scope, Send

COOKIE = "onceonly_session"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most once a minute


class WebSession(Base):
    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    person_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(data: dict[str, Any]) -> tuple[Any, Any, Any]:
    citizen = data.get("citizen") or {}
    return data.get("uid"), citizen.get("person_id"), citizen.get("entity_id")


def end_for_user(session: Session, user_id: int, keep: str | None = None) -> int:
    """End every session of a staff account (its password changed, it was disabled),
    except the one whose cookie value is `keep` (the person changing their password)."""
    query = delete(WebSession).where(WebSession.user_id == user_id)
    if keep:
        query = query.where(WebSession.id_hash != _hash(keep))
    result = session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


def end_for_person(session: Session, person_id: int) -> int:
    result = session.execute(delete(WebSession).where(WebSession.person_id == person_id))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class Loaded:
    token: str | None
    data: dict[str, Any]
    last_seen: datetime | None


class SessionStore:
    def __init__(self, db: Database, *, max_age: int, idle: int) -> None:
        self.db = db
        self.max_age = timedelta(seconds=max_age)
        self.idle = timedelta(seconds=idle)

    def load(self, token: str) -> Loaded:
        now = utcnow()
        with self.db.session() as session:
            row = session.get(WebSession, _hash(token))
            if row is None:
                return Loaded(None, {}, None)
            if row.created_at + self.max_age < now or row.last_seen_at + self.idle < now:
                session.delete(row)
                return Loaded(None, {}, None)
            return Loaded(token, dict(row.data), row.last_seen_at)

    def save(self, loaded: Loaded, data: dict[str, Any]) -> str | None:
        """Write what the request left; the new cookie value, "" to clear it, or None."""
        now = utcnow()
        changed = json.dumps(data, sort_keys=True, default=str) != json.dumps(
            loaded.data, sort_keys=True, default=str
        )
        with self.db.session() as session:
            if loaded.token is not None:
                old = _hash(loaded.token)
                if not data:
                    session.execute(delete(WebSession).where(WebSession.id_hash == old))
                    return ""
                if _principal(data) != _principal(loaded.data):
                    session.execute(delete(WebSession).where(WebSession.id_hash == old))
                    return self._create(session, data, now)
                if changed:
                    values = {"data": data, "last_seen_at": now}
                elif loaded.last_seen is None or now - loaded.last_seen > TOUCH_EVERY:
                    values = {"last_seen_at": now}
                else:
                    return None
                session.execute(update(WebSession).where(WebSession.id_hash == old).values(values))
                return None
            if not data:
                return None
            return self._create(session, data, now)

    def _create(self, session: Session, data: dict[str, Any], now: datetime) -> str:
        # Sessions long idle are removed as new ones begin; no scheduler needed.
        session.execute(delete(WebSession).where(WebSession.last_seen_at < now - self.idle))
        token = secrets.token_urlsafe(32)
        uid, person_id, _entity = _principal(data)
        session.add(
            WebSession(
                id_hash=_hash(token),
                data=data,
                user_id=uid,
                person_id=person_id,
                created_at=now,
                last_seen_at=now,
            )
        )
        return token


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ServerSessions(HttpOnly):
    """ASGI middleware: `scope["session"]` from the `web_sessions` table."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        db: Database,
        max_age: int,
        idle: int,
        https_only: bool,
        trusted_origins: tuple[str, ...] = (),
    ) -> None:
        super().__init__(app)
        self.store = SessionStore(db, max_age=max_age, idle=idle)
        self.max_age = max_age
        self.https_only = https_only
        self.trusted = {_origin_of(o) for o in trusted_origins if o}

    def cross_site(self, scope: Scope) -> bool:
        request = Request(scope)
        own = {_origin_of(str(request.base_url)), *self.trusted}
        if request.headers.get("sec-fetch-site", "") == "cross-site":
            return True
        origin = request.headers.get("origin")
        if origin is not None:
            return origin.lower() not in own
        referer = request.headers.get("referer")
        return referer is not None and _origin_of(referer) not in own

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = Request(scope).cookies.get(COOKIE)
        if token and scope["method"] in UNSAFE and self.cross_site(scope):
            problem = errors.Forbidden(
                "this request came from another site; use the form on this site",
                code="cross-site-request",
            )
            await errors.render(Request(scope), problem)(scope, receive, send)
            return
        loaded = (
            await run_in_threadpool(self.store.load, token) if token else Loaded(None, {}, None)
        )
        data: dict[str, Any] = dict(loaded.data)
        scope["session"] = data

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                new = await run_in_threadpool(self.store.save, loaded, data)
                if new is None and token and loaded.token is None:
                    new = ""  # an unknown or expired cookie: drop it
                if new is not None:
                    headers = MutableHeaders(scope=message)
                    headers.append("set-cookie", self._cookie(new))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, value: str) -> str:
        cookie: SimpleCookie = SimpleCookie()
        cookie[COOKIE] = value
        morsel: MutableMapping[str, Any] = cookie[COOKIE]
        morsel["path"] = "/"
        morsel["httponly"] = True
        morsel["samesite"] = "lax"
        morsel["max-age"] = self.max_age if value else 0
        if self.https_only:
            morsel["secure"] = True
        return cookie.output(header="").strip()
