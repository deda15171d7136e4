"""Find each domain's parts by convention: `onceonly.<domain>.<part>`.

A domain that has no such module is skipped; one that has it but fails to import fails
loudly, so a broken domain is never silently left out.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
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


def domain_packages() -> Iterator[str]:
    """Each domain's package and its sub-packages (e.g. `onceonly.services.disputes`):
    where templates, translations and models are found. Routers stay with the domain,
    which includes its sub-packages' own."""
    for domain in DOMAINS:
        name = f"onceonly.{domain}"
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        yield name
        for sub in pkgutil.iter_modules(spec.submodule_search_locations or []):
            if sub.ispkg:
                yield f"{name}.{sub.name}"


def import_all_models() -> None:
    """Import every domain's models so that Base.metadata knows all tables."""
    importlib.import_module("onceonly.core.cache")
    importlib.import_module("onceonly.core.calendar")
    importlib.import_module("onceonly.core.meta")
    importlib.import_module("onceonly.core.sessions")
    for package in domain_packages():
        if importlib.util.find_spec(f"{package}.models") is not None:
            importlib.import_module(f"{package}.models")
