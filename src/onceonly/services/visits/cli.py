"""`onceonly visits …`: keep appointment slots open, send the day-ahead reminders, list a
day's bookings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from onceonly.core.calendar import CHINA_TZ
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Invalid
from onceonly.core.settings import get_settings
from onceonly.services.visits import service, tasks

COMMAND_NAME = "visits"
app = typer.Typer(help="Appointments for the visits that remain, and their reminders.")


def _db() -> Database:
    return Database(get_settings().database_url)


@app.command("open-slots")
def open_slots(days: Annotated[int, typer.Option(min=1, max=60)] = tasks.DAYS_OPEN) -> None:
    """Cut the missing slots of the next DAYS working days for every item with visits."""
    typer.echo(f"opened {tasks.keep_slots_open(_db(), days)} slot(s)")


@app.command("remind")
def remind() -> None:
    """Free the bookings of withdrawn or rejected cases, then notify applicants whose
    visit is within the next day (each once)."""
    released, reminded = tasks.run_reminders(_db())
    typer.echo(f"released {released} booking(s); reminded {reminded} applicant(s)")


@app.command("day")
def day(when: Annotated[str, typer.Argument(help="YYYY-MM-DD, China time")] = "") -> None:
    """The booked visits of a day at every office: time, number, office, item."""
    try:
        chosen = date.fromisoformat(when) if when else utcnow().astimezone(CHINA_TZ).date()
    except ValueError:
        raise Invalid(f"not a date: {when!r} (use YYYY-MM-DD)", code="bad-date") from None
    with _db().session() as session:
        for a in service.day_bookings(session, None, chosen):
            start = a.slot.starts_at.astimezone(CHINA_TZ).strftime("%H:%M")
            typer.echo(f"{start}\t{a.code}\t{a.slot.setting.office.name}\t{a.case.item.name}")
