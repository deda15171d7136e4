"""The demo catalog: every resource reaches its department's source through its own
connector, the open ones were published with data, and the rules hold."""

from __future__ import annotations

from onceonly.catalog import demo, service
from onceonly.catalog.models import OpenClass, ShareClass
from onceonly.exchange.connectors import open_connector
from onceonly.opendata import service as opendata


def test_every_demo_resource_answers_through_its_connector(demo_db, demo_settings) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        resources = service.list_resources(session)
        assert {r.code for r in resources} >= {spec.code for _, spec in demo.declarations()}
        for resource in resources:
            connector = open_connector(resource, demo_settings)
            rows = connector.fetch(None, {}, resource.field_names, 2, 0)
            assert rows, f"{resource.code} returned no rows"
            assert set(rows[0]) == set(resource.field_names)


def test_demo_classes_and_open_data(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        resources = {r.code: r for r in service.list_resources(session)}
        closed = [r for r in resources.values() if r.share_class is ShareClass.NOT_SHARED]
        assert closed and all(r.legal_basis for r in closed)
        open_codes = {c for c, r in resources.items() if r.open_class is not OpenClass.NOT_OPEN}
        datasets = {d.resource.code: d for d in opendata.list_datasets(session)}
        assert set(datasets) == open_codes
        assert all(d.row_count > 0 for d in datasets.values())
