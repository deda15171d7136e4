"""`onceonly opendata …`: publish and snapshot datasets, list them, show quality flags."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from onceonly.catalog import service as catalog
from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings
from onceonly.opendata import service, tasks
from onceonly.opendata.ckan.harvest import harvest as run_harvest
from onceonly.opendata.publishing.snapshots import SnapshotResult, refresh

app = typer.Typer(help="Open data: publish datasets, take snapshots, quality flags.")
out = Console(stderr=True)
CLI_ACTOR = Actor("system", "cli", "onceonly CLI")


def _db() -> Database:
    return Database(get_settings().database_url)


def _snapshot(db: Database, code: str) -> SnapshotResult:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=out,
        transient=False,
    ) as progress:
        task = progress.add_task(code, total=None)
        return refresh(
            db, get_settings(), code, CLI_ACTOR, progress=lambda n: progress.advance(task, n)
        )


def _report(result: SnapshotResult) -> bool:
    if result.ok:
        out.print(f"{result.code}: generation {result.generation}, {result.rows:,} rows")
    else:
        out.print(f"[red]{result.code}: snapshot failed:[/] {result.error}", highlight=False)
    return result.ok


@app.command("publish")
def publish(
    code: Annotated[str | None, typer.Argument(help="resource code")] = None,
    all_open: Annotated[bool, typer.Option("--all", help="every open resource")] = False,
    licence: Annotated[str, typer.Option()] = "CC-BY-4.0",
) -> None:
    """Publish an open resource (or all of them) as a dataset and snapshot it now."""
    if not code and not all_open:
        raise Invalid("name a resource code or pass --all")
    db = _db()
    with db.session() as session:
        if all_open:
            codes = [d.resource.code for d in service.publish_all_open(session, CLI_ACTOR)]
        else:
            resource = catalog.get_resource(session, str(code))
            codes = [service.publish(session, resource, CLI_ACTOR, licence=licence).resource.code]
    if not codes:
        out.print("no open resources to publish")
    results = [_report(_snapshot(db, c)) for c in codes]
    if not all(results):
        raise typer.Exit(1)


@app.command("refresh-due")
def refresh_due() -> None:
    """Snapshot every dataset that is due (for cron)."""
    results = tasks.refresh_due(_db(), get_settings())
    ok = [_report(r) for r in results]
    out.print(f"{len(results)} due, {ok.count(False)} failed")
    if not all(ok):
        raise typer.Exit(1)


@app.command("list")
def list_datasets() -> None:
    """Every dataset: code, access, frequency, last update, rows."""
    with _db().session() as session:
        table = Table("code", "access", "department", "frequency", "last updated", "rows")
        for d in service.list_datasets(session):
            table.add_row(
                d.resource.code,
                "public" if service.is_public(d) else "on application",
                d.resource.department.code,
                str(d.resource.update_frequency),
                d.last_updated.isoformat(timespec="minutes") if d.last_updated else "never",
                f"{d.row_count:,}",
            )
    Console().print(table)


@app.command("quality")
def quality() -> None:
    """Quality flags: stale, empty, fields without a description (tab-separated)."""
    with _db().session() as session:
        for flag in service.quality_report(session):
            typer.echo(f"{flag.dataset_code}\t{flag.department_code}\t{flag.flag}\t{flag.detail}")


@app.command("harvest")
def harvest(
    url: Annotated[str, typer.Argument(help="a DCAT catalog, or a CKAN portal or its API")],
    organization: Annotated[
        str, typer.Option("--organization", "-o", help="the department that holds them")
    ] = "dsb",
) -> None:
    """Import another portal's datasets (DCAT in any RDF serialisation, or CKAN's
    package_search); a re-run updates them."""
    with Progress(
        TextColumn("[bold]harvest"), BarColumn(), TextColumn("{task.completed:,}/{task.total}"),
        console=out,
    ) as progress, _db().session() as session:  # fmt: skip
        task = progress.add_task("harvest", total=None)
        done = run_harvest(
            session, url, organization, CLI_ACTOR,
            lambda n, total: progress.update(task, completed=n, total=total),
        )  # fmt: skip
    out.print(
        f"{done.kind}: {done.created} new, {done.updated} updated, {done.withdrawn} withdrawn"
    )
