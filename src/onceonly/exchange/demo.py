"""Demo look-ups: real gateway queries about the featured residents, so that each one
finds entries in their data tracker — by the portal (prefilling a form) and by a
department's system (checking an applicant)."""

from __future__ import annotations

from sqlalchemy import select

from onceonly.core.errors import Problem
from onceonly.core.seeding import SeedContext
from onceonly.exchange import service
from onceonly.exchange.schemas import QueryIn
from onceonly.identity.models import Client
from onceonly.sharing.service import PORTAL_CLIENT_CODE

# (resource, stated purpose, reference): what the portal fetched for each featured person.
LOOKUPS = [
    ("ps.residents", "一网通办：预填申请人基本信息", "YWTB-DEMO-{n:03d}"),
    ("ps.households", "一网通办：核验户籍", "YWTB-DEMO-{n:03d}"),
    ("hrss.insured_persons", "一网通办：核验参保状态", "YWTB-DEMO-{n:03d}"),
]


def seed(ctx: SeedContext) -> None:
    portal = ctx.session.scalar(select(Client).where(Client.code == PORTAL_CLIENT_CODE))
    done = 0
    if portal is not None:
        for n, person in enumerate(ctx.featured, start=1):
            for code, purpose, ref in LOOKUPS:
                request = QueryIn(subject_key=person["id_number"], purpose=purpose)
                try:
                    service.query(
                        ctx.session, portal, code, request,
                        purpose_ref=ref.format(n=n), settings=ctx.settings,
                    )  # fmt: skip
                except Problem as problem:  # a resource missing from the catalog
                    ctx.console.print(f"exchange demo: {code}: {problem.detail}")
                    continue
                done += 1
    ctx.console.print(f"exchange: {done} demo look-ups recorded")
