"""Demo catalog: a resource for every demo department's source, as their sharing lists
would declare it — personal registers shared on condition, public registers open, one
resource not shared with its legal basis, derived open statistics, and the registers of
once-only reach (issue 18) that let a department supply what citizens were asked for.

The resources are data, as a sharing list is: `demo_data/resources.toml`, with each
field's English label and code list in `demo_data/labels.toml` by the Chinese label it
is declared with. Each resource reaches its department's own source database only
through its connector (`connector_config`), never by the catalog reading a source table.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import select

from onceonly.catalog import service
from onceonly.catalog.models import Resource
from onceonly.catalog.schemas import ResourceIn
from onceonly.core.seeding import SeedContext

DATA = Path(__file__).with_name("demo_data")


def _read(name: str) -> dict[str, Any]:
    with (DATA / name).open("rb") as file:
        return tomllib.load(file)


def declarations() -> list[tuple[str, ResourceIn]]:
    """(department code, declaration) of every demo resource, in the file's order."""
    labels = _read("labels.toml")
    english: dict[str, str] = labels["english"]
    codes: dict[str, dict[str, list[str]]] = labels["codes"]
    declared = []
    for item in _read("resources.toml")["resource"]:
        spec = dict(item)
        department = spec.pop("department")
        spec["fields"] = [
            {"name": name, "type": type_, "sensitivity": sensitivity, "description": label,
             "description_en": english.get(label, ""), "codes": codes.get(label, {})}
            for name, type_, sensitivity, label in spec["fields"]
        ]  # fmt: skip
        declared.append((department, ResourceIn.model_validate(spec)))
    return declared


def seed(ctx: SeedContext) -> None:
    registered = 0
    for department_code, spec in declarations():
        exists = ctx.session.scalar(select(Resource.id).where(Resource.code == spec.code))
        if exists is not None:
            continue
        department = ctx.departments[department_code]
        service.register_resource(ctx.session, spec, department, ctx.actor)
        registered += 1
    ctx.console.print(f"catalog: {registered} resources registered")
