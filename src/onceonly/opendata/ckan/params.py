"""One CKAN action call (`Call`) and its parameters, read the way CKAN reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from onceonly.core.errors import Invalid
from onceonly.opendata.ckan.shapes import Published, public


@dataclass
class Call:
    session: Session
    params: dict[str, Any]
    base: str  # the site's base URL, ending in /
    path: str  # the request's path, for _links
    data_dir: Path
    _published: Published | None = field(default=None, repr=False)

    @property
    def published(self) -> Published:
        if self._published is None:
            self._published = public(self.session, self.data_dir)
        return self._published

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
