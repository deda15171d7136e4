"""Alembic environment: one history for SQLite and PostgreSQL.

Each domain's migrations form a branch rooted at the foundation revision, labelled
with the domain's name; `onceonly db upgrade` applies all heads.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from onceonly.core.db import Base, make_engine
from onceonly.core.migrate import include_name, include_object
from onceonly.core.registry import import_all_models

import_all_models()
config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER needs batches
        compare_type=True,
        include_name=include_name,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `onceonly db upgrade`")
main()
