"""One migration history for both databases, matching the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from onceonly.core.db import Base, Database
from onceonly.core.migrate import downgrade, include_name, include_object, upgrade
from onceonly.core.registry import import_all_models


def _diff(db: Database) -> list[object]:
    import_all_models()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": include_name,
                "include_object": include_object,
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_models_match_migrations(db) -> None:  # type: ignore[no-untyped-def]
    assert _diff(db) == []


def test_upgrade_is_idempotent_and_downgrade_round_trips(backend, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = backend.new_url("mig")
    db = Database(url)
    try:
        upgrade(db)
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "departments", "audit_entries", "clients"} <= tables
        upgrade(db)  # a second run changes nothing
        assert set(inspect(db.engine).get_table_names()) == tables
        downgrade(db, "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(db)
        assert _diff(db) == []
    finally:
        db.dispose()
        backend.drop(url)
