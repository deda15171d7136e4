"""Who did something: the one shape every domain hands to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["user", "client", "person", "entity", "system", "public"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str
    label: str = ""
    department_id: int | None = None

    @classmethod
    def system(cls, label: str = "onceonly") -> Actor:
        return cls("system", "system", label)

    @classmethod
    def public(cls) -> Actor:
        return cls("public", "anonymous", "public")

    def ref(self) -> str:
        return f"{self.kind}:{self.id}"
