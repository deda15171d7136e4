"""`onceonly audit verify|checkpoint|export`: check the log, sign its head, hand a
person their history."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from onceonly.audit import checkpoints, tracker
from onceonly.audit.verify import verify_log
from onceonly.core.db import Database
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings
from onceonly.identity.validators import parse_citizen_id

app = typer.Typer(help="The audit log: verify, sign checkpoints, export.", no_args_is_help=True)
err = Console(stderr=True)


def _db() -> Database:
    return Database(get_settings().database_url)


@app.command("verify")
def verify() -> None:
    """Walk the whole chain; exit 1 naming the first altered, deleted, inserted,
    reordered or rewritten entry."""
    with _db().session() as session:
        total, _hash = checkpoints.head_of(session)
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn())  # fmt: skip
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("verifying", total=total or None)
            report = verify_log(session, progress=lambda n: bar.update(task, completed=n))
    if not report.ok:
        err.print(f"[red]audit log broken:[/] {report.line()}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    err.print(report.line())


@app.command("checkpoint")
def checkpoint() -> None:
    """Sign the chain's current head with the platform key (run from cron, e.g. hourly)."""
    with _db().session() as session:
        made = checkpoints.make_checkpoint(session)
        err.print(f"checkpoint at entry {made.seq:,} signed with key {made.key_id}")


@app.command("export")
def export(
    subject: Annotated[str, typer.Option(help="the person's citizen ID number")],
) -> None:
    """A person's whole history as CSV on standard output (e.g. for a written request)."""
    try:
        number = parse_citizen_id(subject).number
    except ValueError as exc:
        raise Invalid(f"--subject: {exc}") from None
    with _db().session() as session:
        for chunk in tracker.iter_csv(session, number):
            sys.stdout.write(chunk)
