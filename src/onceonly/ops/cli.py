"""`onceonly jobs …` (the job runner), `onceonly backup|restore`, `onceonly ops retention`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onceonly.core.logs import configure
from onceonly.core.settings import get_settings

COMMAND_NAME = "ops"
app = typer.Typer(help="Operations: retention.", no_args_is_help=True)
jobs_app = typer.Typer(help="The job runner: scheduled and background work.", no_args_is_help=True)
backup_app = typer.Typer(help="Back the platform up into one archive.")
restore_app = typer.Typer(help="Restore the platform from a backup archive.")
EXTRA_COMMANDS = {"jobs": jobs_app, "backup": backup_app, "restore": restore_app}
out = Console()
err = Console(stderr=True)


@jobs_app.command("run")
def run(workers: Annotated[int, typer.Option(min=1, max=64)] = 2) -> None:
    """Consume the queue and fire the schedule until stopped (the job-runner service)."""
    from onceonly.ops.jobs import Runner

    settings = get_settings()
    configure(json=settings.log_json, level=settings.log_level)
    Runner(settings).consumer(workers=workers).run()


@jobs_app.command("list")
def list_jobs() -> None:
    """The jobs, their schedule, and the latest runs."""
    from onceonly.core.db import Database
    from onceonly.ops import schedule  # noqa: F401
    from onceonly.ops.jobs import JOBS, recent_runs

    table = Table("job", "every", "what")
    for job in JOBS.values():
        every = f"{job.every_minutes} min" if job.every_minutes else "on demand"
        table.add_row(job.name, every, job.description)
    out.print(table)
    runs = Table("job", "slot", "status", "attempts", "started", "result or error")
    for r in recent_runs(Database(get_settings().database_url), limit=20):
        runs.add_row(
            r.job, r.slot, r.status, str(r.attempts), r.started_at.isoformat(timespec="seconds"),
            r.error or r.result,
        )  # fmt: skip
    out.print(runs)


@jobs_app.command("run-once")
def run_once(
    name: str,
    slot: Annotated[str | None, typer.Option(help="the slot to claim; default: a new one")] = None,
) -> None:
    """Run one job now, in this process (a slot another runner holds is skipped)."""
    from onceonly.core.db import Database
    from onceonly.ops import schedule  # noqa: F401
    from onceonly.ops.jobs import JOBS, run_job

    if name not in JOBS:
        err.print(f"no job called {name!r}; see `onceonly jobs list`")
        raise typer.Exit(2)
    settings = get_settings()
    summary = run_job(
        Database(settings.database_url), settings, name, slot or f"cli-{time.time_ns()}"
    )
    out.print(summary if summary is not None else f"{name} {slot}: taken by another runner")


@jobs_app.command("enqueue")
def enqueue(name: str) -> None:
    """Queue a run of a job for the runner."""
    from onceonly.ops.jobs import Runner

    runner = Runner(get_settings())
    try:
        slot = runner.enqueue(name)
    except KeyError:
        err.print(f"no job called {name!r}; see `onceonly jobs list`")
        raise typer.Exit(2) from None
    out.print(f"queued {name} ({slot})")


@backup_app.callback(invoke_without_command=True)
def backup(archive: Annotated[Path, typer.Argument(help="the .tar.gz to write")]) -> None:
    """Database (pg_dump or SQLite online backup, keys sealed inside), data dir, witness."""
    from onceonly.ops.backup import backup as run_backup

    report = run_backup(get_settings(), archive)
    out.print(f"wrote {report.path}: {report.members} members, {report.bytes:,} bytes")


@restore_app.callback(invoke_without_command=True)
def restore(
    archive: Annotated[Path, typer.Argument(help="a .tar.gz made by `onceonly backup`")],
    force: Annotated[bool, typer.Option(help="overwrite a database that is not empty")] = False,
) -> None:
    """Restore into an empty database; then run `onceonly audit verify`."""
    from onceonly.ops.backup import restore as run_restore

    manifest = run_restore(get_settings(), archive, force=force)
    out.print(f"restored the backup of {manifest['created_at']}; now run `onceonly audit verify`")


@app.command("retention")
def retention() -> None:
    """Delete what is past its retention period now (the `ops.retention` job does it daily)."""
    from onceonly.core.db import Database
    from onceonly.ops.retention import enforce

    settings = get_settings()
    out.print(enforce(Database(settings.database_url), settings).summary())
