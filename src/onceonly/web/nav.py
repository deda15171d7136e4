"""Navigation: each domain registers its pages for the audiences that use them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Area = Literal["portal", "workbench", "console"]
AREAS: dict[Area, str] = {"portal": "Portal", "workbench": "Workbench", "console": "Console"}


@dataclass(frozen=True)
class NavItem:
    area: Area
    label: str  # an English msgid, translated when shown
    path: str
    roles: frozenset[str] = field(default_factory=frozenset)  # empty: anyone in the area
    order: int = 50


_items: dict[tuple[str, str], NavItem] = {}


def register(
    area: Area, label: str, path: str, *, roles: Iterable[str] = (), order: int = 50
) -> None:
    _items[(area, path)] = NavItem(area, label, path, frozenset(str(r) for r in roles), order)


def items(area: Area, roles: Iterable[str] = ()) -> list[NavItem]:
    held = set(roles)
    admin = "platform_admin" in held
    visible = [
        item
        for item in _items.values()
        if item.area == area and (not item.roles or admin or item.roles & held)
    ]
    return sorted(visible, key=lambda item: (item.order, item.label))
