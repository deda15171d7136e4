"""`onceonly catalog list|show|import|export|reindex`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from onceonly.catalog import service
from onceonly.catalog.transfer import exporting, importing, reading
from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings

app = typer.Typer(help="The data resource catalog.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _db() -> Database:
    return Database(get_settings().database_url)


@app.command("list")
def list_resources() -> None:
    """Every live resource: code, department, share and open class, version."""
    with _db().session() as session:
        table = Table("code", "name", "department", "share", "open", "v")
        for r in service.list_resources(session):
            table.add_row(r.code, r.name, r.department.code, r.share_class.value,
                          r.open_class.value, str(r.version))  # fmt: skip
    out.print(table)


@app.command("show")
def show(code: str) -> None:
    """One resource as JSON (the API's shape)."""
    with _db().session() as session:
        out.print_json(service.to_out(service.get_resource(session, code)).model_dump_json())


@app.command("import")
def import_file(
    path: Path,
    fmt: Annotated[str, typer.Option("--format", help="csv or json (default: by extension)")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check only, write nothing")] = False,
) -> None:
    """Import a sharing list: all rows or none; every bad row is listed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror}") from None
    kind = _format(fmt or path.suffix.lstrip("."))
    try:
        with _db().session() as session, Progress(console=err, transient=True) as bar:
            task = bar.add_task("importing")

            def step(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            report = importing.import_resources(
                session, data, kind, Actor.system("catalog import"), dry_run=dry_run,
                progress=step,
            )  # fmt: skip
    except importing.ImportRejected as rejected:
        for e in rejected.report.errors:
            err.print(f"row {e.row}, {e.field}: {e.reason}", highlight=False, soft_wrap=True)
        err.print(f"[red]{len(rejected.report.errors)} problems; nothing was imported[/]")
        raise typer.Exit(1) from None
    if dry_run:
        err.print(f"{report.rows} rows are valid; nothing written (--dry-run)")
        return
    err.print(
        f"{report.created} resources registered, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )


def _format(value: str) -> reading.Format:
    kind = value.lower()
    if kind not in ("csv", "json"):
        raise Invalid(f"unknown format {value!r}: use csv or json")
    return kind  # type: ignore[return-value]


@app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    output: Annotated[Path | None, typer.Option("-o", help="file (default: stdout)")] = None,
) -> None:
    """The whole live catalog in the import's format."""
    with _db().session() as session:
        text = exporting.export_resources(service.list_resources(session), _format(fmt))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"written to {output}")


@app.command("reindex")
def reindex() -> None:
    """Rebuild the full-text index from the catalog (after a restore, for instance)."""
    with _db().session() as session:
        count = service.reindex(session)
    err.print(f"{count} resources indexed")
