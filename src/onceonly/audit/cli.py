"""`onceonly audit verify|checkpoint|export`: check the log, sign its head, hand a
person their history."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from onceonly.audit import checkpoints, tasks, tracker
from onceonly.audit.verify import verify_log
from onceonly.core.db import Database
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings
from onceonly.identity.validators import parse_citizen_id

app = typer.Typer(help="The audit log: verify, sign checkpoints, export.", no_args_is_help=True)
err = Console(stderr=True)


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def _db() -> Database:
    return Database(get_settings().database_url)


@app.command("verify")
def verify(
    start: Annotated[
        int, typer.Option("--from", min=1, help="begin at this entry (the one before anchors it)")
    ] = 1,
) -> None:
    """Walk the chain; exit 1 naming the first altered, deleted, inserted, reordered or
    rewritten entry."""
    with _db().session() as session:
        head, _hash = checkpoints.head_of(session)
        total = max(head - start + 1, 0)
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn())  # fmt: skip
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("verifying", total=total or None)
            report = verify_log(
                session, start=start, progress=lambda n: bar.update(task, completed=n)
            )
    if not report.ok:
        err.print(f"[red]audit log broken:[/] {report.line()}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    err.print(report.line())


@app.command("checkpoint")
def checkpoint(
    every: Annotated[
        int, typer.Option(min=0, help="skip unless the last checkpoint is this many seconds old")
    ] = 0,
) -> None:
    """Sign the chain's current head with the platform key (run from cron, e.g. every
    10 minutes with --every 3600; nothing is signed while the head has not moved)."""
    made = tasks.checkpoint_if_due(_db(), min_interval=every)
    if made is None:
        err.print("no checkpoint needed: the head has not moved or the last one is recent")
    else:
        err.print(f"checkpoint at entry {made.seq:,} signed with key {made.key_id}")


@app.command("export")
def export(
    subject: Annotated[str, typer.Option(help="the person's citizen ID number")],
    format: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.csv,
) -> None:
    """A person's whole history on standard output (e.g. to answer a written request)."""
    try:
        number = parse_citizen_id(subject).number
    except ValueError as exc:
        raise Invalid(f"--subject: {exc}") from None
    with _db().session() as session:
        chunks = tracker.iter_csv(session, number)
        if format is ExportFormat.json:
            chunks = tracker.iter_json(session, number)
        for chunk in chunks:
            sys.stdout.write(chunk)
