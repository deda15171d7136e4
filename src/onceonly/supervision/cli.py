"""`onceonly supervision report`: the scorecards and the once-only figure in the
terminal, the scorecards as CSV (for cron), or both as JSON."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onceonly.core.db import Database
from onceonly.core.settings import get_settings
from onceonly.services.reach import figure as reach_figure
from onceonly.supervision import reach, service
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
    as_json: Annotated[
        bool, typer.Option("--json", help="scorecards and once-only figure as JSON")
    ] = False,
) -> None:
    """Every department's scorecard over the period, most flagged first, then the
    once-only figure: how much of what the catalog lists is fetched, reused or asked."""
    first, last = parse_period(start, end)
    with Database(get_settings().database_url).session() as session:
        cards = [to_out(c) for c in service.scorecards(session, *period_bounds(first, last))]
        once_only = reach.to_out(reach_figure.compute(session))
    if csv:
        sys.stdout.write(to_csv(cards))
        return
    if as_json:
        body = {
            "start": first.isoformat(),
            "end": last.isoformat(),
            "scorecards": [c.model_dump(mode="json") for c in cards],
            "once_only": once_only.model_dump(mode="json"),
        }
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
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
    _once_only_table(once_only)


def _once_only_table(figure: reach.OnceOnlyOut) -> None:
    table = Table(
        "department", "items", "materials", "fetched", "reused", "asked", "spared",
        "zero asked", "≤1 trip", title="once-only figure (service guides)",
    )  # fmt: skip
    for d in figure.departments:
        table.add_row(
            d.code, str(d.items), str(d.materials), str(d.fetched), str(d.reused),
            str(d.asked), _pct(d.spared_share), str(d.items_zero_asked),
            str(d.items_at_most_one_trip),
        )  # fmt: skip
    out.print(table)
    out.print(
        f"fetched or reused {_pct(figure.spared_share)} of {figure.materials} materials "
        f"({figure.fetched} fetched, {figure.reused} reused, {figure.asked} asked); "
        f"{figure.items_zero_asked}/{figure.items} items ask for nothing; "
        f"{_pct(figure.items_at_most_one_trip_share)} of items need at most one trip"
    )
