"""Demo licences of the featured residents: ID cards, household register extracts,
marriage certificates and driving licences."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from onceonly.core.db import make_engine
from onceonly.core.seeding import SeedContext
from onceonly.identity.models import Person
from onceonly.licences import bulk, service
from onceonly.licences.credentials import keys


def _featured_ids(ctx: SeedContext) -> list[str]:
    return [str(f["id_number"]) for f in ctx.featured if f.get("id_number")]


def _source_rows(ctx: SeedContext, code: str, table: str, where: Any) -> list[Any]:
    source = ctx.source_tables(code).tables[table]
    engine = make_engine(ctx.sources[code])
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(source).where(where(source))))
    finally:
        engine.dispose()


def seed(ctx: SeedContext) -> None:
    session = ctx.session
    ids = _featured_ids(ctx)
    for dept in (*ctx.departments.values(),):
        if any(t.issuer_kind == dept.kind for t in service.LICENCE_TYPES.values()):
            keys.current_key(session, dept.id)
    keys.current_key(session, None)  # the platform's own trust-list key
    requests: list[service.IssueRequest] = []
    for person in session.scalars(select(Person).where(Person.id_number.in_(ids))):
        claims = {
            "id_number": person.id_number,
            "name": person.name,
            "gender": person.gender,
            "birth_date": person.birth_date.isoformat(),
            "address": "",
        }
        requests.append(
            service.IssueRequest("resident_id", person.id_number, claims, f"demo:id:{person.id}")
        )
    bulk.issue_batch(session, ctx.departments["ps"].code, requests, ctx.actor)
    marriages = _source_rows(
        ctx,
        "ca",
        "marriages",
        lambda t: or_(t.c.husband_id_number.in_(ids), t.c.wife_id_number.in_(ids)),
    )
    wanted = set(ids)
    wanted_marriages = [
        r for row in marriages for r in bulk.marriage_requests(row) if r.holder_code in wanted
    ]
    bulk.issue_batch(session, ctx.departments["ca"].code, wanted_marriages, ctx.actor)
    # Police tables keyed by the holder's ID number: driving licences, household extracts.
    for table, to_requests in (
        ("driving_licences", bulk.driving_requests),
        ("residents", bulk.household_requests),
    ):
        rows = _source_rows(ctx, "ps", table, lambda t: t.c.id_number.in_(ids))
        police = [r for row in rows for r in to_requests(row)]
        bulk.issue_batch(session, ctx.departments["ps"].code, police, ctx.actor)
    ctx.console.print(f"licences: issued demo licences for {len(ids)} featured residents")
