"""The demo province's federation identity and offers: node `CN-<province code>`, the
household register and marriage records offered to other provinces. The peer itself is
linked by the operator (`onceonly federation link`), as between real provinces."""

from __future__ import annotations

from onceonly.core.seeding import SeedContext
from onceonly.federation import service

# (resource, fields) offered to other provinces in the demo.
OFFERS: list[tuple[str, list[str] | None]] = [
    ("ps.residents", ["id_number", "name", "gender", "birth_date", "household_no",
                      "relation", "division_code", "address", "status"]),
    ("ca.marriages", None),
    ("hrss.insured_persons", None),
]  # fmt: skip


def seed(ctx: SeedContext) -> None:
    operator = ctx.departments["dsb"]
    region = operator.region
    service.init_node(
        ctx.session,
        f"CN-{operator.region_code}",
        region.name if region else operator.name,
        ctx.settings.base_url,
        ctx.actor,
        name_en=(region.name_en or "") if region else "",
    )
    for code, fields in OFFERS:
        service.offer(ctx.session, code, fields, ctx.actor)
