"""One CKAN action call (`Call`) and its parameters, read the way CKAN reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from onceonly.core.errors import Forbidden, Invalid
from onceonly.identity.models import User
from onceonly.opendata.ckan.shapes import Published, public


@dataclass
class Call:
    session: Session
    params: dict[str, Any]
    base: str  # the site's base URL, ending in /
    path: str  # the request's path, for _links
    data_dir: Path
    token: str = field(default="", repr=False)  # the Authorization header, if any
    session_uid: int | None = None  # a signed-in staff user (token actions only)
    _published: Published | None = field(default=None, repr=False)
    _user: User | None = field(default=None, repr=False)

    @property
    def published(self) -> Published:
        if self._published is None:
            from onceonly.opendata.ckan.stored import attach_written  # stored needs Call

            self._published = public(self.session, self.data_dir)
            attach_written(self._published, self.session, self.base)
        return self._published

    def user(self) -> User:
        """The caller, by API token (or signed-in session); CKAN's Authorization Error
        for an anonymous caller."""
        if self._user is None:
            from onceonly.opendata.ckan.tokens import authenticate  # tokens needs Call

            if self.token:
                self._user = authenticate(self.session, self.token)
            elif self.session_uid is not None:
                user = self.session.get(User, self.session_uid)
                if user is not None and user.active:
                    self._user = user
            if self._user is None:
                raise Forbidden("Action requires an authorized user (an API token)")
        return self._user

    def int(self, name: str, default: int, top: int, *, cap: bool = False) -> int:
        """An integer parameter; above `top` it is an error, or capped if `cap` (as CKAN
        caps `rows` and `limit` silently)."""
        try:
            value = int(self.params.get(name, default))
        except (TypeError, ValueError):
            raise Invalid(
                f"{name} must be an integer",
                errors=[{"field": name, "reason": "Invalid integer"}],
            ) from None
        if cap and value > top:
            return top
        if not 0 <= value <= top:
            raise Invalid(
                f"{name} must be between 0 and {top}",
                errors=[{"field": name, "reason": "Out of range"}],
            )
        return value

    def json(self, name: str, default: Any) -> Any:
        value = self.params.get(name, default)
        if isinstance(value, str) and value.startswith(("[", "{")):
            try:
                return json.loads(value)
            except ValueError:
                raise Invalid(
                    f"{name} is not valid JSON",
                    errors=[{"field": name, "reason": "Invalid JSON"}],
                ) from None
        return value

    def required(self, name: str) -> str:
        value = self.params.get(name)
        if not value:
            raise Invalid(
                f"{name} is required", errors=[{"field": name, "reason": "Missing value"}]
            )
        return str(value)

    def text(self, name: str, default: str = "") -> str:
        return str(self.params.get(name, default) or default)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1", "yes", "on")
