"""`onceonly services deliver|overdue|figures`: e-mail what waits (for cron), the cases
past their promised time, and the service figures."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onceonly.core.db import Database
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings
from onceonly.services.casework import figures, notify, review

app = typer.Typer(
    help="One-stop service: notifications, overdue cases, figures.", no_args_is_help=True
)
out = Console()


@app.command("deliver")
def deliver() -> None:
    """Send the e-mails waiting (and retry failed ones): SMTP, or the outbox folder."""
    settings = get_settings()
    try:
        sender = notify.sender_for(settings)
    except ValueError as exc:
        raise Invalid(str(exc), code="bad-smtp-url") from exc
    with Database(settings.database_url).session() as session:
        sent = notify.deliver_pending(session, settings, sender)
        failed = notify.failed_count(session)
    out.print(f"sent {sent} e-mail(s); {failed} still failing")
    if failed:
        raise typer.Exit(1)


@app.command("overdue")
def overdue() -> None:
    """Cases past their promised deadline, oldest deadline first."""
    with Database(get_settings().database_url).session() as session:
        cases = list(session.scalars(review.cases_query(None, overdue=True)))
        table = Table("case", "item", "department", "status", "due", title="overdue cases")
        for case in cases:
            table.add_row(
                str(case.id),
                case.item.name,
                case.department.code if case.department else "",
                case.status.value,
                case.due_at.isoformat(timespec="minutes") if case.due_at else "",
            )
    out.print(table if cases else "no overdue cases")


@app.command("figures")
def show_figures(
    by: Annotated[str, typer.Option(help="department or item")] = "department",
    as_csv: Annotated[bool, typer.Option("--csv", help="write CSV to standard output")] = False,
) -> None:
    """Per department (or item): cases, fetched share, on time, overdue, average days."""
    if by not in ("department", "item"):
        raise Invalid("--by is department or item", code="bad-option")
    with Database(get_settings().database_url).session() as session:
        rows = figures.by_item(session) if by == "item" else figures.by_department(session)
    header = ["department", "item", "cases", "decided", "fetched_share", "on_time_share",
              "overdue", "withdrawn", "average_working_days"]  # fmt: skip
    lines = [
        [r.department_code, getattr(r, "item_code", ""), str(r.cases), str(r.decided),
         f"{r.fetched_share:.3f}", f"{r.on_time_share:.3f}", str(r.overdue),
         str(r.withdrawn), f"{r.average_days:.2f}"]
        for r in rows
    ]  # fmt: skip
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerows([header, *lines])
        return
    table = Table(*header, title=f"service figures by {by}")
    for line in lines:
        table.add_row(*line)
    out.print(table)
