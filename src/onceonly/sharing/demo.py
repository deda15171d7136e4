"""Demo sharing: the portal's system client and its grants, and requests in every state.

The resources come from the catalog's demo; a code that is not registered is skipped, so
this seeder works whether or not the catalog's demo ran first.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from onceonly.catalog.models import Resource
from onceonly.core.calendar import load_calendar
from onceonly.core.db import utcnow
from onceonly.core.seeding import SeedContext
from onceonly.identity import service as identity
from onceonly.identity.models import Client, User
from onceonly.sharing import service
from onceonly.sharing.schemas import DecisionIn, RequestIn

PORTAL_RESOURCES = (
    "ps.residents",
    "ps.households",
    "ca.marriages",
    "health.births",
    "hrss.insured_persons",
    "amr.companies",
    "tax.income_tax",
    "hpf.fund_accounts",
    "edu.school_records",
    # Once-only reach (issue 18): what citizens were asked for although a department holds it.
    "ps.id_photos",
    "hrss.payout_accounts",
    "hrss.maternity_leaves",
    "health.deaths",
    "rer.properties",
    "rer.company_properties",
)
PORTAL_PURPOSE = "one-stop service prefill"
# (consumer, resource, outcome): outcome is pending, approved, reduced, rejected or overdue.
DEMO_REQUESTS = (
    ("hpf", "ps.residents", "pending"),
    ("hrss", "ca.marriages", "reduced"),
    ("edu", "health.births", "overdue"),
    ("tax", "hrss.insured_persons", "rejected"),
    ("hrss", "amr.companies", "approved"),
    ("ca", "ps.households", "overdue"),
)


def _resource(ctx: SeedContext, code: str) -> Resource | None:
    return ctx.session.scalar(
        select(Resource).where(Resource.code == code, Resource.retired_at.is_(None))
    )


def seed(ctx: SeedContext) -> None:
    seed_portal(ctx)
    seed_requests(ctx)


def seed_portal(ctx: SeedContext) -> None:
    session = ctx.session
    client = session.scalar(select(Client).where(Client.code == service.PORTAL_CLIENT_CODE))
    if client is None:
        client = identity.create_client(
            session,
            code=service.PORTAL_CLIENT_CODE,
            name="一网通办 portal services",
            department=ctx.departments["dsb"],
            scopes=["exchange:query"],
            by=ctx.actor,
        ).client
    for code in PORTAL_RESOURCES:
        resource = _resource(ctx, code)
        if resource is None:
            ctx.console.print(f"sharing demo: resource {code} is not registered; skipped")
            continue
        service.grant_directly(
            session,
            client=client,
            resource=resource,
            fields=resource.field_names,
            clear_fields=resource.field_names,
            purpose=PORTAL_PURPOSE,
            rate_limit_per_minute=6000,
            by=ctx.actor,
        )


def _consumer_client(ctx: SeedContext, dept_code: str) -> Client:
    code = f"{dept_code}-system"
    client = ctx.session.scalar(select(Client).where(Client.code == code))
    if client is None:
        department = ctx.departments[dept_code]
        client = identity.create_client(
            ctx.session,
            code=code,
            name=f"{department.name} business system",
            department=department,
            scopes=["exchange:query"],
            by=ctx.actor,
        ).client
    return client


def _user(ctx: SeedContext, username: str) -> User:
    found = ctx.session.scalar(select(User).where(User.username == username))
    assert found is not None, f"demo staff {username} is missing"
    return found


def seed_requests(ctx: SeedContext) -> None:
    calendar = load_calendar(ctx.session)
    for consumer, code, outcome in DEMO_REQUESTS:
        resource = _resource(ctx, code)
        if resource is None or resource.share_class.value == "not_shared":
            continue
        client = _consumer_client(ctx, consumer)
        fields = resource.field_names[:4]
        request = service.submit_request(
            ctx.session,
            RequestIn(
                resource_code=code,
                client_code=client.code,
                fields=fields,
                purpose=f"verify applicants' {resource.name} for {consumer} services",
                legal_basis="《优化营商环境条例》 and the department's service rules",
                duration_days=365,
                expected_volume=500,
            ),
            _user(ctx, f"{consumer}.admin"),
        )
        if request.grant_id is not None:
            continue  # unconditionally shared: granted at once
        reviewer = _user(ctx, f"{resource.department.code}.reviewer")
        if outcome == "overdue":
            request.submitted_at = utcnow() - timedelta(days=14)
            request.due_at = calendar.deadline(request.submitted_at, service.REVIEW_DAYS)
        elif outcome == "reduced":
            decision = DecisionIn(approve=True, fields=fields[:2], reason="only what the task uses")
            service.decide(ctx.session, request, decision, reviewer)
        elif outcome in ("approved", "rejected"):
            decision = DecisionIn(
                approve=outcome == "approved", reason="no statutory duty shown for this purpose"
            )
            service.decide(ctx.session, request, decision, reviewer)
