"""`onceonly supervision report`: the scorecards in the terminal or as CSV (for cron)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onceonly.core.db import Database
from onceonly.core.settings import get_settings
from onceonly.supervision import service
from onceonly.supervision.schemas import to_csv, to_out
from onceonly.web.period import parse_period, period_bounds

app = typer.Typer(help="Supervision: which department is slow or closed.", no_args_is_help=True)
out = Console()


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


@app.command("report")
def report(
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD (default: a year ago)")] = "",
    end: Annotated[str, typer.Option(help="last day, YYYY-MM-DD (default: today)")] = "",
    csv: Annotated[bool, typer.Option("--csv", help="write CSV to standard output")] = False,
) -> None:
    """Every department's scorecard over the period, most flagged first."""
    first, last = parse_period(start, end)
    with Database(get_settings().database_url).session() as session:
        cards = [to_out(c) for c in service.scorecards(session, *period_bounds(first, last))]
    if csv:
        sys.stdout.write(to_csv(cards))
        return
    table = Table(
        "department", "resources", "not shared", "requests overdue", "sharing on time",
        "appeals on time", "satisfied", "flags", title=f"{first} – {last}",
    )  # fmt: skip
    for card in cards:
        table.add_row(
            card.department_code,
            str(card.resources),
            str(card.not_shared),
            str(card.requests_overdue_now),
            _pct(card.requests_on_time_rate),
            _pct(card.appeals_on_time_rate),
            _pct(card.appeals_satisfaction_rate),
            ", ".join(f.code for f in card.flags) or "–",
        )
    out.print(table)
