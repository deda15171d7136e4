"""Find each domain's parts by convention: `onceonly.<domain>.<part>`.

One rule for every part: a part is looked for in each domain package and in each of its
sub-packages (`onceonly.services.visits.cli`), in `DOMAINS` order, a domain before its
sub-packages. The exception is the routers, which only the domain's top-level `api.py`
and `pages.py` give: they include their sub-packages' routers, so that the domain decides
the prefix, the CSRF check and the order its sub-packages' routes are matched in.

A package that has no such module is skipped; one that has it but fails to import fails
loudly, so a broken domain is never silently left out.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from onceonly import DOMAINS

ROUTER_PARTS = ("api", "pages")


def domain_packages() -> Iterator[str]:
    """Each domain's package and its sub-packages (e.g. `onceonly.services.disputes`)."""
    for domain in DOMAINS:
        name = f"onceonly.{domain}"
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        yield name
        for sub in pkgutil.iter_modules(spec.submodule_search_locations or []):
            if sub.ispkg:
                yield f"{name}.{sub.name}"


def domain_modules(part: str) -> Iterator[tuple[str, ModuleType]]:
    """(domain, module) for each package's `part`; `domain` is the package's dotted name
    under `onceonly` (`"services.visits"`), which names its demo step and CLI group."""
    if part in ROUTER_PARTS:
        packages: Iterator[str] = (f"onceonly.{domain}" for domain in DOMAINS)
    else:
        packages = domain_packages()
    for package in packages:
        name = f"{package}.{part}"
        if importlib.util.find_spec(package) is None or importlib.util.find_spec(name) is None:
            continue
        yield package.removeprefix("onceonly."), importlib.import_module(name)


def import_all_models() -> None:
    """Import every domain's models so that Base.metadata knows all tables."""
    importlib.import_module("onceonly.core.cache")
    importlib.import_module("onceonly.core.calendar")
    importlib.import_module("onceonly.core.meta")
    importlib.import_module("onceonly.core.sessions")
    for package in domain_packages():
        if importlib.util.find_spec(f"{package}.models") is not None:
            importlib.import_module(f"{package}.models")
