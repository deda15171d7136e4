"""The sharing demo: skips missing resources, then grants the portal and seeds requests."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import select

from onceonly.core.meta import get_meta
from onceonly.demo.generator import CORE_STEP, demo_context
from onceonly.identity import service as identity
from onceonly.sharing import demo, service
from onceonly.sharing.models import AccessRequest, Grant, RequestStatus
from tests.exchange.conftest import register, residents_spec


def test_demo_seeds_grants_and_requests_for_registered_resources(demo_db, demo_settings) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        # The demo province ran this seeder with no resources: only the client exists.
        portal = identity.client_by_code(session, service.PORTAL_CLIENT_CODE)
        assert portal.department.code == "dsb"
        assert session.scalars(select(Grant)).all() == []
        register(session, "ps.residents", "ps", **residents_spec())
        register(
            session,
            "ps.households",
            "ps",
            **residents_spec(key_field="household_no", subject_type="other"),
        )
        register(
            session,
            "amr.companies",
            "amr",
            name="Companies",
            subject_type="entity",
            key_field="credit_code",
            share_class="unconditional",
            connector_config={"source": "amr", "table": "companies"},
            fields=[{"name": "credit_code", "sensitivity": "public"}],
        )
    with demo_db.session() as session:
        ctx = demo_context(
            session, demo_settings, Console(quiet=True), get_meta(session, CORE_STEP)
        )
        demo.seed(ctx)
    with demo_db.session() as session:
        grants = session.scalars(select(Grant).where(Grant.client_id == portal.id)).all()
        assert sorted(g.resource.code for g in grants) == [
            "amr.companies",
            "ps.households",
            "ps.residents",
        ]
        assert all(g.purpose == demo.PORTAL_PURPOSE and g.clear_fields == g.fields for g in grants)
        requests = session.scalars(select(AccessRequest)).all()
        by_resource = {(r.consumer.code, r.resource.code): r for r in requests}
        assert by_resource[("hpf", "ps.residents")].status is RequestStatus.PENDING
        assert by_resource[("hrss", "amr.companies")].status is RequestStatus.APPROVED
        overdue = service.overdue_requests(session)
        assert [(r.consumer.code, r.resource.code) for r in overdue] == [("ca", "ps.households")]
