"""Run Alembic from code, so the CLI, the demo and the tests share one path."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from onceonly.core.db import Database

# Tables a migration creates by hand that the ORM metadata does not describe: a
# database's own full-text machinery (SQLite FTS5 tables and their shadow tables,
# PostgreSQL tsvector tables). Autogenerate and the model/migration comparison skip
# them instead of proposing to drop them.
UNMANAGED_TABLE_PREFIXES: tuple[str, ...] = ("catalog_search",)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and name and name.startswith(UNMANAGED_TABLE_PREFIXES))


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    table = getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", None)
    return not (table_name and table_name.startswith(UNMANAGED_TABLE_PREFIXES))


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "onceonly:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _run(step: Callable[[Config, str], None], db: Database | Engine, target: str) -> None:
    """Run an Alembic command on the database's own engine, in one transaction."""
    engine = db.engine if isinstance(db, Database) else db
    config = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, target)


def upgrade(db: Database | Engine, target: str = "heads") -> None:
    """Bring the schema up to date; running it again changes nothing."""
    _run(command.upgrade, db, target)


def downgrade(db: Database | Engine, target: str = "base") -> None:
    _run(command.downgrade, db, target)


def revision(url: str, message: str, *, head: str, branch_label: str | None = None) -> None:
    """Autogenerate a migration (developers: `onceonly db revision`).

    With a branch label, a new domain branch is spliced off `head` (normally the root
    `0001`) and its revision id is `<branch>_0001`, as docs/architecture.md asks.
    """
    config = alembic_config(url)
    command.revision(
        config,
        message=message,
        autogenerate=True,
        head=head,
        branch_label=branch_label,
        splice=branch_label is not None,
        rev_id=f"{branch_label}_0001" if branch_label else None,
    )
