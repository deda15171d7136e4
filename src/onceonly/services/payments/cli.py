"""`onceonly payments …`: reconcile a day with the payment service, deliver the demo
service's waiting callbacks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from onceonly.core.db import Database
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings
from onceonly.services.payments import reconcile, tasks
from onceonly.services.payments.connector import DEFAULT_PROVIDER

COMMAND_NAME = "payments"
app = typer.Typer(help="Fee payments: reconciliation and the demo payment service.")


@app.command("reconcile")
def reconcile_command(
    day: Annotated[str, typer.Option(help="YYYY-MM-DD, China time; yesterday by default")] = "",
    provider: str = DEFAULT_PROVIDER,
) -> None:
    """Compare our orders of a day with the service's statement; list what differs and
    exit 1 if anything does."""
    try:
        chosen = date.fromisoformat(day) if day else None
    except ValueError:
        raise Invalid(f"not a date: {day!r} (use YYYY-MM-DD)", code="bad-date") from None
    settings = get_settings()
    found = tasks.reconcile_day(Database(settings.database_url), settings, chosen, provider)
    for m in found:
        typer.echo(
            f"{m.order_no}\t{m.kind}\tours={m.ours}\ttheirs={m.theirs}\t({reconcile.KINDS[m.kind]})"
        )
    typer.echo(f"{len(found)} mismatch(es)")
    if found:
        raise typer.Exit(1)


@app.command("deliver-demo-callbacks")
def deliver() -> None:
    """Send the demo payment service's waiting callbacks now (the job does it each minute)."""
    settings = get_settings()
    sent = tasks.deliver_demo_callbacks(Database(settings.database_url), settings)
    typer.echo(f"delivered {sent} callback(s)")
