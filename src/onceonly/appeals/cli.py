"""`onceonly appeals …`: categories, dispatch rules, the deadline watch, figures as CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from onceonly.appeals import tasks
from onceonly.appeals.desk import figures
from onceonly.appeals.workflow import routing
from onceonly.core.actors import Actor
from onceonly.core.calendar import CHINA_TZ
from onceonly.core.db import Database
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings
from onceonly.identity import service as identity

app = typer.Typer(help="12345 appeals: categories, dispatch rules, deadlines, figures.")
out = Console(stderr=True)
CLI_ACTOR = Actor("system", "cli", "onceonly CLI")


def _db() -> Database:
    return Database(get_settings().database_url)


@app.command("init")
def init() -> None:
    """Add the default appeal categories (Open311 services) that are missing."""
    with _db().session() as session:
        added = routing.ensure_categories(session)
    out.print(f"added {added} categories")


@app.command("categories")
def categories() -> None:
    """List the categories: code, name, department kind, deadlines (working days)."""
    with _db().session() as session:
        for c in routing.list_categories(session, active_only=False):
            state = "" if c.active else "\t(inactive)"
            typer.echo(
                f"{c.code}\t{c.name}\t{c.department_kind}\t{c.days_normal}/{c.days_urgent}{state}"
            )


@app.command("add-rule")
def add_rule(
    category: str,
    department: Annotated[str, typer.Option(help="department code")],
    region: Annotated[str | None, typer.Option(help="region code; none: everywhere")] = None,
) -> None:
    """Route a category (in a region) to a department, ahead of the kind-and-region rule."""
    with _db().session() as session:
        target = identity.department_by_code(session, department)
        rule = routing.add_rule(session, category, region, target, CLI_ACTOR)
        out.print(f"rule {rule.id}: {category} in {region or 'any region'} → {target.code}")


@app.command("sweep")
def sweep() -> None:
    """Send reminders for deadlines within a day and escalate overdue appeals."""
    result = tasks.run_sweep(_db())
    out.print(f"reminded {len(result.reminded)}, escalated {len(result.escalated)}")


@app.command("figures")
def export_figures(
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="last day, YYYY-MM-DD")],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    by_category: bool = True,
) -> None:
    """Figures per department (and category) for appeals submitted in the period, as CSV."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise Invalid("dates must be written as YYYY-MM-DD") from None
    lo = datetime.combine(first, time(0), tzinfo=CHINA_TZ).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=CHINA_TZ).astimezone(UTC)
    with _db().session() as session:
        rows = figures.compute(session, lo, hi, by_category=by_category)
    text = figures.to_csv(rows)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {len(rows)} rows to {output}")
