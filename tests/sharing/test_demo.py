"""The sharing demo: the portal's grants on the catalog demo's resources, and requests
in every state; a resource the catalog does not hold is skipped, not an error."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import delete, select

from onceonly.catalog.models import Resource
from onceonly.core.meta import get_meta
from onceonly.demo.generator import CORE_STEP, demo_context
from onceonly.identity import service as identity
from onceonly.sharing import demo, service
from onceonly.sharing.models import AccessRequest, Grant, RequestStatus


def test_demo_seeds_grants_and_requests(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        portal = identity.client_by_code(session, service.PORTAL_CLIENT_CODE)
        assert portal.department.code == "dsb"
        grants = session.scalars(select(Grant).where(Grant.client_id == portal.id)).all()
        assert sorted(g.resource.code for g in grants) == sorted(demo.PORTAL_RESOURCES)
        assert all(g.purpose == demo.PORTAL_PURPOSE and g.clear_fields == g.fields for g in grants)
        requests = session.scalars(select(AccessRequest)).all()
        by_resource = {(r.consumer.code, r.resource.code): r for r in requests}
        assert by_resource[("hpf", "ps.residents")].status is RequestStatus.PENDING
        assert by_resource[("hrss", "amr.companies")].status is RequestStatus.APPROVED
        assert by_resource[("tax", "hrss.insured_persons")].status is RequestStatus.REJECTED
        reduced = by_resource[("hrss", "ca.marriages")]
        assert reduced.status is RequestStatus.APPROVED
        assert len(reduced.approved_fields) < len(reduced.fields)
        overdue = {(r.consumer.code, r.resource.code) for r in service.overdue_requests(session)}
        assert overdue == {("ca", "ps.households"), ("edu", "health.births")}


def test_demo_skips_resources_the_catalog_lacks(demo_db, demo_settings) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        session.execute(delete(AccessRequest))
        session.execute(delete(Grant))
        resource = session.scalar(select(Resource).where(Resource.code == "tax.income_tax"))
        resource.retired_at = resource.created_at
    console = Console(record=True, width=200)
    with demo_db.session() as session:
        demo.seed(demo_context(session, demo_settings, console, get_meta(session, CORE_STEP)))
    assert "tax.income_tax is not registered; skipped" in console.export_text()
    with demo_db.session() as session:
        codes = {g.resource.code for g in session.scalars(select(Grant))}
        assert "tax.income_tax" not in codes and "ps.residents" in codes
