"""Find each domain's parts by convention: `onceonly.<domain>.<part>`.

A domain that has no such module is skipped; one that has it but fails to import fails
loudly, so a broken domain is never silently left out.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from types import ModuleType

from onceonly import DOMAINS


def domain_modules(part: str) -> Iterator[tuple[str, ModuleType]]:
    for domain in DOMAINS:
        name = f"onceonly.{domain}.{part}"
        if importlib.util.find_spec(f"onceonly.{domain}") is None:
            continue
        if importlib.util.find_spec(name) is None:
            continue
        yield domain, importlib.import_module(name)


def import_all_models() -> None:
    """Import every domain's models so that Base.metadata knows all tables."""
    importlib.import_module("onceonly.core.calendar")
    importlib.import_module("onceonly.core.meta")
    importlib.import_module("onceonly.core.sessions")
    for _ in domain_modules("models"):
        pass
