"""`onceonly connectors …`: try a resource's connector; `onceonly connectors traffic`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onceonly.catalog import service as catalog
from onceonly.core.db import Database
from onceonly.core.errors import Problem
from onceonly.core.settings import get_settings
from onceonly.exchange import stats, tasks
from onceonly.exchange.connectors import open_connector

COMMAND_NAME = "connectors"
app = typer.Typer(help="Exchange connectors and gateway traffic.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _db() -> Database:
    return Database(get_settings().database_url)


@app.command("test")
def test_connector(
    code: str,
    key: Annotated[str | None, typer.Option(help="also look up this subject key")] = None,
) -> None:
    """Reach the source of resource CODE through its connector and say what answered."""
    settings = get_settings()
    with _db().session() as session:
        resource = catalog.get_resource(session, code)
        connector = open_connector(resource, settings)
        fields = resource.field_names
        kind = resource.connector_kind.value
    try:
        err.print(f"{code} ({kind}): {connector.check()}")
        if key is not None:
            rows = connector.fetch(key, {}, fields, 5, 0)
            err.print(f"{len(rows)} rows for key {key}")
    except Problem as problem:
        err.print(f"[red]{code} ({kind}) failed:[/] {problem.detail}", highlight=False)
        raise typer.Exit(1) from None
    out.print("ok")


@app.command("traffic")
def traffic() -> None:
    """Calls, errors and latency per resource over the last 24 hours."""
    with _db().session() as session:
        rows = stats.traffic(session)
    table = Table("resource", "calls", "errors", "p50 ms", "p95 ms")
    for row in rows:
        table.add_row(
            row.resource_code,
            str(row.calls),
            str(row.errors),
            f"{row.p50_ms:.1f}",
            f"{row.p95_ms:.1f}",
        )
    out.print(table)


@app.command("prune")
def prune() -> None:
    """Drop finished rate-limit windows (run from cron, e.g. hourly)."""
    err.print(f"removed {tasks.prune_windows(_db())} rate-limit windows")
